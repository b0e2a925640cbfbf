// Runs steps with the unmodified Octokit REST client against an aos
// gateway and prints their outcomes as one JSON array on stdout.
//
// Environment:
//   AOS_GATEWAY  the gateway's URL (http://127.0.0.1:PORT)
//   AOS_TOKEN    the agent's token, given to Octokit as `auth`
//   AOS_STEPS    a JSON array of steps:
//                {"name", "connection", "method": "issues.listForRepo", "params": {...}}
//                or {"name", "connection", "route": "GET /repos/{owner}/{repo}/x", "params": {...}};
//                "paginate": true follows the Link header with octokit.paginate
//
// Each outcome is {"name", "ok", "status", "data"}: ok is false when
// Octokit threw its RequestError, whose status and response data are
// reported. Octokit's baseUrl is <gateway>/v1/proxy/<connection>/.
import { Octokit } from "@octokit/rest";

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const steps = JSON.parse(process.env.AOS_STEPS ?? "[]");
const outcomes = [];
for (const step of steps) {
  const octokit = new Octokit({
    baseUrl: `${process.env.AOS_GATEWAY}/v1/proxy/${step.connection}/`,
    auth: process.env.AOS_TOKEN,
    userAgent: "aos-github-sdk-test",
    log: quiet,
  });
  try {
    let res;
    if (step.paginate) {
      const [ns, method] = step.method.split(".");
      const items = await octokit.paginate(octokit[ns][method], step.params ?? {});
      res = { status: 200, data: items };
    } else if (step.route) {
      res = await octokit.request(step.route, step.params ?? {});
    } else {
      const [ns, method] = step.method.split(".");
      res = await octokit[ns][method](step.params ?? {});
    }
    outcomes.push({ name: step.name, ok: true, status: res.status, data: res.data ?? null });
  } catch (err) {
    if (typeof err.status !== "number") {
      outcomes.push({ name: step.name, ok: false, status: 0, data: null, error: String(err) });
      continue;
    }
    outcomes.push({ name: step.name, ok: false, status: err.status, data: err.response?.data ?? null, error: err.name });
  }
}
process.stdout.write(JSON.stringify(outcomes) + "\n");
