// Drives the unmodified HubSpot Node SDK (@hubspot/api-client) through
// aos's proxy: basePath is <gateway>/v1/proxy/CONN and the agent's token
// is the SDK's accessToken.
//
// Env: AOS_URL (the gateway), AOS_TOKEN (an agent that may write
// contacts), AOS_TOKEN_RO (an agent that may only read them), CONN (the
// hubspot connection, default crm). Prints one JSON line per check and
// exits 1 if any failed. Run by connector/hubspot's TestNodeSDK.
//
// What the SDK does with the gateway's answers, as the checks show: a
// denial is an ApiException with code 403 whose body (parsed into HubSpot's
// error model) keeps the contract code as "category"; the full body is
// also read with client.apiRequest (the SDK's raw call). A held call
// is a 202, which the SDK takes for success wherever HubSpot answers 202
// (export start): the agent must look at the status and the Location
// header, as the export check does.
import { Client } from '@hubspot/api-client';

const { AOS_URL, AOS_TOKEN, AOS_TOKEN_RO, CONN = 'crm' } = process.env;
if (!AOS_URL || !AOS_TOKEN || !AOS_TOKEN_RO) {
  console.error('AOS_URL, AOS_TOKEN and AOS_TOKEN_RO are required');
  process.exit(2);
}

const basePath = `${AOS_URL}/v1/proxy/${CONN}`;
const writer = new Client({ accessToken: AOS_TOKEN, basePath });
const reader = new Client({ accessToken: AOS_TOKEN_RO, basePath });

let failed = 0;
async function check(name, fn) {
  try {
    const detail = await fn();
    console.log(JSON.stringify({ check: name, ok: true, detail }));
  } catch (e) {
    failed++;
    console.log(JSON.stringify({ check: name, ok: false, error: String(e && e.message ? e.message : e) }));
  }
}

function assert(cond, what) {
  if (!cond) throw new Error(what);
}

// denied runs an SDK call that the gateway must refuse with status and
// code; the code is read again through the SDK's raw request.
async function denied(fn, status, raw, code) {
  try {
    await fn();
  } catch (e) {
    assert(e.code === status, `status ${e.code}, want ${status}`);
    // The SDK keeps HubSpot's error fields: the gateway repeats its code
    // there as "category".
    assert(e.body && e.body.category === code, `SDK error body ${JSON.stringify(e.body)}, want category ${code}`);
    const resp = await raw();
    const body = await resp.json();
    assert(resp.status === status && body.error && body.error.code === code,
      `raw answer ${resp.status} ${JSON.stringify(body)}, want ${status} ${code}`);
    return code;
  }
  throw new Error('the call was not refused');
}

let created;

await check('list contacts', async () => {
  const page = await reader.crm.contacts.basicApi.getPage(1, undefined, ['email']);
  assert(page.results.length === 1 && page.results[0].properties.email, `page ${JSON.stringify(page)}`);
  assert(page.paging && page.paging.next && page.paging.next.after, 'no paging.next.after');
  const next = await reader.crm.contacts.basicApi.getPage(1, page.paging.next.after, ['email']);
  assert(next.results.length === 1 && next.results[0].id !== page.results[0].id, 'the second page repeats the first');
  return page.results[0].properties.email;
});

await check('search contacts (POST, a read)', async () => {
  const res = await reader.crm.contacts.searchApi.doSearch({
    filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ', value: 'ada@customer.example' }] }],
    properties: ['email', 'firstname'], limit: 10, after: '0', sorts: [],
  });
  assert(res.total === 1 && res.results[0].properties.firstname === 'Ada', `search ${JSON.stringify(res)}`);
  return res.results[0].id;
});

await check('batch read contacts (POST, a read)', async () => {
  const page = await reader.crm.contacts.basicApi.getPage(2);
  const res = await reader.crm.contacts.batchApi.read({
    inputs: page.results.map((r) => ({ id: r.id })), properties: ['email'], propertiesWithHistory: [],
  });
  assert(res.results.length === 2, `batch ${JSON.stringify(res)}`);
  return res.status;
});

await check('create and update a contact', async () => {
  const c = await writer.crm.contacts.basicApi.create({ properties: { email: 'new@customer.example' }, associations: [] });
  assert(c.id && c.properties.email === 'new@customer.example', `created ${JSON.stringify(c)}`);
  const u = await writer.crm.contacts.basicApi.update(c.id, { properties: { firstname: 'Grace' } });
  assert(u.properties.firstname === 'Grace', `updated ${JSON.stringify(u)}`);
  const g = await reader.crm.contacts.basicApi.getById(c.id, ['email', 'firstname']);
  assert(g.properties.firstname === 'Grace', `read back ${JSON.stringify(g)}`);
  created = c.id;
  return c.id;
});

await check('companies are out of scope', () => denied(
  () => writer.crm.companies.basicApi.getPage(10),
  403, () => writer.apiRequest({ method: 'GET', path: '/crm/v3/objects/companies' }), 'out_of_scope'));

await check('an association with companies is out of scope', () => denied(
  () => writer.crm.associations.v4.basicApi.createDefault('contacts', created, 'companies', '1'),
  403, () => writer.apiRequest({ method: 'PUT', path: `/crm/v4/objects/contacts/${created}/associations/default/companies/1` }),
  'out_of_scope'));

await check('a read-only grant cannot write', () => denied(
  () => reader.crm.contacts.basicApi.create({ properties: { email: 'no@customer.example' }, associations: [] }),
  403, () => reader.apiRequest({ method: 'POST', path: '/crm/v3/objects/contacts', body: { properties: {} } }), 'read_only'));

await check('an undeclared operation is unknown', () => denied(
  () => writer.crm.lists.listsApi.getById('12'),
  403, () => writer.apiRequest({ method: 'GET', path: '/crm/v3/lists/12' }), 'unknown_operation'));

await check('an export is held at customer-data', async () => {
  // publicExportsApi.start cannot serialise its own request model in SDK
  // 13.5 (PublicExportRequest is a union without an attribute map), so
  // the export goes through the SDK's raw call.
  const resp = await writer.apiRequest({
    method: 'POST', path: '/crm/v3/exports/export/async',
    body: {
      exportType: 'VIEW', format: 'CSV', exportName: 'all contacts', objectType: 'CONTACT',
      objectProperties: ['email', 'firstname'], language: 'EN',
    },
  });
  const body = await resp.json();
  assert(resp.status === 202, `status ${resp.status}`);
  assert(body.approval_point === 'customer-data' && body.status === 'pending', `body ${JSON.stringify(body)}`);
  assert(resp.headers.get('location') === `/v1/approvals/${body.approval_id}`, `location ${resp.headers.get('location')}`);
  return body.approval_id;
});

process.exit(failed ? 1 : 0);
