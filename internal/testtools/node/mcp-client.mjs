// Drives the official MCP TypeScript SDK, as an agent, against aos's /mcp
// endpoint (or `aos mcp-stdio`), runs steps in one session and prints their
// outcomes as one JSON object on stdout; the Go test checks them.
//
// Environment:
//   AOS_SDK        "v1" (@modelcontextprotocol/sdk, revision 2025-11-25) or
//                  "v2" (@modelcontextprotocol/client, pinned to AOS_PIN, e.g. 2026-07-28)
//   AOS_MCP_URL    the endpoint (http://127.0.0.1:PORT/mcp), for HTTP
//   AOS_STDIO      if set, a JSON array [command, ...args] run as a stdio server instead (v1 or v2)
//   AOS_TOKEN      the agent's token (HTTP: Authorization: Bearer; stdio: passed in the environment)
//   AOS_URL, AOS_OWNER_TOKEN   the owner API, for "approve" steps
//   AOS_STEPS      a JSON array of steps:
//                  {"op": "list"}                                  tools/list, every page
//                  {"op": "call", "name", "arguments", "meta"}     tools/call
//                  {"op": "approve", "from": I}                    the owner approves step I's approval
//                  {"op": "wait", "from": I, "wait_seconds": N}    aos_wait_approval on step I's approval
//
// Output: {"protocolVersion", "outcomes": [...]}; a call's outcome is
// {"result"} or {"error": {"code", "message"}} for a protocol error.
const sdk = process.env.AOS_SDK ?? "v1";
const steps = JSON.parse(process.env.AOS_STEPS ?? "[]");
const token = process.env.AOS_TOKEN;

let client, transport, negotiated;
if (sdk === "v1") {
  const { Client } = await import("@modelcontextprotocol/sdk/client/index.js");
  client = new Client({ name: "aos-test", version: "1.0.0" });
  if (process.env.AOS_STDIO) {
    const { StdioClientTransport } = await import("@modelcontextprotocol/sdk/client/stdio.js");
    const [command, ...args] = JSON.parse(process.env.AOS_STDIO);
    transport = new StdioClientTransport({ command, args, env: { ...process.env, AOS_TOKEN: token }, stderr: "inherit" });
  } else {
    const { StreamableHTTPClientTransport } = await import("@modelcontextprotocol/sdk/client/streamableHttp.js");
    transport = new StreamableHTTPClientTransport(new URL(process.env.AOS_MCP_URL), {
      requestInit: { headers: { Authorization: `Bearer ${token}` } },
    });
  }
  await client.connect(transport);
  negotiated = transport.protocolVersion ?? null;
} else {
  const { Client, StreamableHTTPClientTransport } = await import("@modelcontextprotocol/client");
  const pin = process.env.AOS_PIN ?? "2026-07-28";
  client = new Client({ name: "aos-test", version: "2.0.0" }, { versionNegotiation: { mode: { pin } } });
  if (process.env.AOS_STDIO) {
    const { StdioClientTransport } = await import("@modelcontextprotocol/client/stdio");
    const [command, ...args] = JSON.parse(process.env.AOS_STDIO);
    transport = new StdioClientTransport({ command, args, env: { ...process.env, AOS_TOKEN: token }, stderr: "inherit" });
  } else {
    transport = new StreamableHTTPClientTransport(new URL(process.env.AOS_MCP_URL), {
      requestInit: { headers: { Authorization: `Bearer ${token}` } },
    });
  }
  await client.connect(transport);
  negotiated = client.getNegotiatedProtocolVersion() ?? null;
}

const outcomes = [];
const approvalOf = (i) => outcomes[i]?.result?.structuredContent?.approval_id;
async function call(params) {
  try {
    return { result: await client.callTool(params) };
  } catch (err) {
    return { error: { code: err.code ?? null, message: String(err.message ?? err) } };
  }
}
for (const step of steps) {
  switch (step.op) {
    case "list": {
      const tools = [];
      let cursor;
      try {
        do {
          const page = await client.listTools(cursor ? { cursor } : {});
          tools.push(...page.tools);
          cursor = page.nextCursor;
        } while (cursor);
        outcomes.push({ tools });
      } catch (err) {
        outcomes.push({ error: { code: err.code ?? null, message: String(err.message ?? err) } });
      }
      break;
    }
    case "call":
      outcomes.push(await call({ name: step.name, arguments: step.arguments ?? {}, _meta: step.meta }));
      break;
    case "approve": {
      const id = approvalOf(step.from);
      const res = await fetch(`${process.env.AOS_URL}/v1/owner/approvals/${id}/approve`, {
        method: "POST",
        headers: { Authorization: `Bearer ${process.env.AOS_OWNER_TOKEN}`, "Content-Type": "application/json" },
        body: JSON.stringify({ reason: "fine by me" }),
      });
      outcomes.push({ status: res.status, body: await res.json() });
      break;
    }
    case "wait":
      outcomes.push(await call({ name: "aos_wait_approval", arguments: { approval_id: approvalOf(step.from), wait_seconds: step.wait_seconds ?? 10 } }));
      break;
    default:
      outcomes.push({ error: { message: `unknown step ${step.op}` } });
  }
}
await client.close();
process.stdout.write(JSON.stringify({ protocolVersion: negotiated, outcomes }) + "\n");
