// Drives the unmodified Slack Node SDK (@slack/web-api) through aos's
// proxy: slackApiUrl is <gateway>/v1/proxy/CONN/api/ and the agent's token
// is the SDK's token.
//
// Env: AOS_URL (the gateway), AOS_TOKEN (an agent that may write GENERAL,
// PARTNER and NEWROOM), AOS_TOKEN_RO (one that may only read GENERAL),
// CONN (the slack connection, default chat), and the channel IDs GENERAL
// (internal), PARTNER (shared with another organisation), NEWROOM
// (internal, never looked up) and OTHER (not granted). Prints one JSON
// line per check and exits 1 if any failed. Run by connector/slack's
// TestNodeSDK.
//
// What the SDK does with the gateway's answers, as the checks show: any
// status but 200 and 429 is a WebAPIHTTPError (code
// slack_webapi_http_error) carrying statusCode, headers and the body,
// parsed from JSON, so aos's {"error": {"code"}} and the 202 approval
// body are readable. By
// default the SDK retries such errors ten times over half an hour, which
// would re-send a held call each time: agents set retryConfig.
import slack from '@slack/web-api';

const { WebClient, ErrorCode, retryPolicies } = slack;

const { AOS_URL, AOS_TOKEN, AOS_TOKEN_RO, CONN = 'chat', GENERAL, PARTNER, NEWROOM, OTHER } = process.env;
if (!AOS_URL || !AOS_TOKEN || !AOS_TOKEN_RO || !GENERAL || !PARTNER || !NEWROOM || !OTHER) {
  console.error('AOS_URL, AOS_TOKEN, AOS_TOKEN_RO, GENERAL, PARTNER, NEWROOM and OTHER are required');
  process.exit(2);
}

const slackApiUrl = `${AOS_URL}/v1/proxy/${CONN}/api/`;
const options = { slackApiUrl, retryConfig: { retries: 0 }, logLevel: 'error' };
const comms = new WebClient(AOS_TOKEN, options);
const reader = new WebClient(AOS_TOKEN_RO, options);

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

// refused runs an SDK call that the gateway must answer with status and,
// for a denial, the error code; it returns the parsed body.
async function refused(fn, status, code) {
  try {
    await fn();
  } catch (e) {
    assert(e.code === ErrorCode.HTTPError, `error code ${e.code}, want ${ErrorCode.HTTPError}: ${e.message}`);
    assert(e.statusCode === status, `status ${e.statusCode}, want ${status}`);
    const body = e.body; // parsed from JSON by the SDK
    if (code) {
      assert(body.error && body.error.code === code, `body ${JSON.stringify(body)}, want code ${code}`);
    }
    return body;
  }
  throw new Error('the call was not refused');
}

await check('auth.test under a channel grant', async () => {
  const r = await reader.auth.test();
  assert(r.ok && r.team_id === 'T0ACME001' && r.response_metadata.scopes.includes('chat:write'), JSON.stringify(r));
  return r.team;
});

await check('conversations.info', async () => {
  const r = await comms.conversations.info({ channel: GENERAL, include_num_members: true });
  assert(r.ok && r.channel.id === GENERAL && r.channel.num_members === 40 && r.channel.is_ext_shared === false, JSON.stringify(r));
  return r.channel.num_members;
});

let ts;
await check('chat.postMessage to a granted internal channel', async () => {
  const r = await comms.chat.postMessage({ channel: GENERAL, text: 'standup at 10' });
  assert(r.ok && r.channel === GENERAL && r.ts && r.message.text === 'standup at 10', JSON.stringify(r));
  ts = r.ts;
  return r.ts;
});

await check('chat.update and reactions.add', async () => {
  const u = await comms.chat.update({ channel: GENERAL, ts, text: 'standup at 10:30' });
  assert(u.ok && u.text === 'standup at 10:30', JSON.stringify(u));
  const r = await comms.reactions.add({ channel: GENERAL, timestamp: ts, name: 'eyes' });
  assert(r.ok, JSON.stringify(r));
});

await check('conversations.history with a read grant', async () => {
  const r = await reader.conversations.history({ channel: GENERAL, limit: 10 });
  assert(r.ok && r.messages.length === 1 && r.messages[0].text === 'standup at 10:30', JSON.stringify(r));
});

await check('a channel outside the grant is out of scope', () =>
  refused(() => comms.chat.postMessage({ channel: OTHER, text: 'hi' }), 403, 'out_of_scope'));

await check('a read-only grant cannot post', () =>
  refused(() => reader.chat.postMessage({ channel: GENERAL, text: 'hi' }), 403, 'read_only'));

await check('conversations.list needs the whole workspace', () =>
  refused(() => comms.conversations.list(), 403, 'out_of_scope'));

await check('an undeclared method is unknown', () =>
  refused(() => comms.apiCall('admin.conversations.search', { query: 'x' }), 403, 'unknown_operation'));

await check('a first post to an unseen channel is checked, then sent', async () => {
  const r = await comms.chat.postMessage({ channel: NEWROOM, text: 'hello room' });
  assert(r.ok && r.channel === NEWROOM, JSON.stringify(r));
  return r.ts;
});

await check('a post to an externally shared channel is held at public-claim', async () => {
  const info = await comms.conversations.info({ channel: PARTNER, include_num_members: true });
  assert(info.channel.is_ext_shared === true, JSON.stringify(info));
  const body = await refused(() => comms.chat.postMessage({ channel: PARTNER, text: 'our roadmap' }), 202);
  assert(body.approval_point === 'public-claim' && body.status === 'pending' && body.approval_id, JSON.stringify(body));
  return body.approval_id;
});

await check('a file upload slot is held at customer-data', async () => {
  const body = await refused(() => comms.files.getUploadURLExternal({ filename: 'customers.csv', length: 1024 }), 202);
  assert(body.approval_point === 'customer-data', JSON.stringify(body));
  return body.approval_id;
});

await check('a retried held post joins the pending approval', async () => {
  const retrying = new WebClient(AOS_TOKEN, { slackApiUrl, logLevel: 'error', retryConfig: { ...retryPolicies.rapidRetryPolicy, retries: 2 } });
  const body = await refused(() => retrying.chat.postMessage({ channel: PARTNER, text: 'retried' }), 202);
  return body.approval_id;
});

process.exit(failed ? 1 : 0);
