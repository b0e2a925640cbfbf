// Drives the unmodified Stripe Node SDK through aos's host-based routing:
// the SDK lets you change only host, port and protocol, so each connection
// is reached as NAME.localhost:PORT. *.localhost names resolve to
// 127.0.0.1 here, as RFC 6761 prescribes, through the agent's lookup.
//
// Env: AOS_PORT (the gateway's port), AOS_TOKEN (an agent token, used as
// the Stripe API key), PAY (a connection granted refunds, write) and PAYRO
// (one granted refunds, read). Prints one JSON line per check and exits 1
// if any failed. Run by connector/stripe's TestNodeSDK.
import http from 'node:http';
import dns from 'node:dns';
import Stripe from 'stripe';

const { AOS_PORT, AOS_TOKEN, PAY = 'pay', PAYRO = 'payro' } = process.env;
if (!AOS_PORT || !AOS_TOKEN) {
  console.error('AOS_PORT and AOS_TOKEN are required');
  process.exit(2);
}

// lookup resolves NAME.localhost to the loopback address and defers
// everything else to the system resolver.
function lookup(hostname, options, callback) {
  if (!hostname.toLowerCase().endsWith('.localhost')) {
    return dns.lookup(hostname, options, callback);
  }
  if (options && options.all) {
    return callback(null, [{ address: '127.0.0.1', family: 4 }]);
  }
  return callback(null, '127.0.0.1', 4);
}

const httpAgent = new http.Agent({ keepAlive: true, lookup });

function client(connection) {
  return new Stripe(AOS_TOKEN, {
    host: `${connection}.localhost`,
    port: Number(AOS_PORT),
    protocol: 'http',
    httpAgent,
    maxNetworkRetries: 0,
    telemetry: false,
  });
}

const pay = client(PAY);
const payro = client(PAYRO);

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

// expectError runs fn, which must fail with a StripeError of the given
// status whose raw body carries the contract code.
async function expectError(fn, status, code) {
  try {
    await fn();
  } catch (e) {
    assert(e instanceof Stripe.errors.StripeError, `not a StripeError: ${e}`);
    assert(e.statusCode === status, `statusCode ${e.statusCode}, want ${status}`);
    assert(e.raw && e.raw.code === code, `raw code ${e.raw && e.raw.code}, want ${code}`);
    return { statusCode: e.statusCode, code: e.raw.code };
  }
  throw new Error(`succeeded; want ${status} ${code}`);
}

// expectHeld checks the 202 body the SDK returns as the result.
function expectHeld(res, point) {
  assert(res.lastResponse && res.lastResponse.statusCode === 202, `status ${res.lastResponse && res.lastResponse.statusCode}, want 202`);
  assert(res.status === 'pending', `status ${res.status}, want pending`);
  assert(res.approval_point === point, `approval_point ${res.approval_point}, want ${point}`);
  assert(typeof res.approval_id === 'string' && res.approval_id !== '', 'no approval_id');
  assert(res.poll === `/v1/approvals/${res.approval_id}`, `poll ${res.poll}`);
  return { approval_id: res.approval_id, approval_point: res.approval_point };
}

await check('refunds.list granted', async () => {
  const list = await pay.refunds.list({ limit: 3 });
  assert(list.object === 'list', `object ${list.object}`);
  return { object: list.object };
});

await check('refund under the cap goes through', async () => {
  const r = await pay.refunds.create({ charge: 'ch_1', amount: 500, currency: 'usd' });
  assert(r.object === 'refund', `object ${r.object}`);
  assert(r.lastResponse.statusCode === 200, `status ${r.lastResponse.statusCode}`);
  return { object: r.object };
});

await check('refund over the cap is held', async () => {
  const r = await pay.refunds.create({ charge: 'ch_1', amount: 250000, currency: 'usd' });
  return expectHeld(r, 'money');
});

await check('refund without amount is held', async () => {
  const r = await pay.refunds.create({ charge: 'ch_1' });
  return expectHeld(r, 'money');
});

await check('customers on a refunds grant is out of scope', () =>
  expectError(() => pay.customers.list({ limit: 1 }), 403, 'out_of_scope'));

await check('read-only grant refuses create', () =>
  expectError(() => payro.refunds.create({ charge: 'ch_1', amount: 500, currency: 'usd' }), 403, 'read_only'));

await check('read-only grant reads', async () => {
  const r = await payro.refunds.retrieve('re_123');
  assert(r.object === 'refund', `object ${r.object}`);
  return { object: r.object };
});

await check('unknown operation is refused', () =>
  expectError(() => pay.accounts.retrieve('acct_1'), 403, 'unknown_operation'));

httpAgent.destroy();
process.exit(failed ? 1 : 0);
