// Runs <name>.py from the test or bench pages, named by ?py=<name>, with the shared config.
// A file, not an inline script: the pages run under a Content-Security-Policy without
// 'unsafe-inline' (pyfritz.dev.csp).
const name = new URLSearchParams(location.search).get("py") ?? "";
if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`harness: bad ?py= name ${JSON.stringify(name)}`);
const script = document.createElement("script");
script.type = "py";
script.src = `./${name}.py`;
script.setAttribute("config", "./pyscript.toml");
document.body.append(script);
await import("./runtime/pyscript/core.js");
