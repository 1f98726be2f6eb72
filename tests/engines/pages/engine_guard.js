// Test-only: the cross-engine tests' error hook, loaded first by every page
// (the dev server's `head_script` option). WebKit's WebDriver reports neither
// console messages nor page errors, so the page records them itself; the
// tests read and empty `window.__pyfritzTrouble` and fail on anything in it.
"use strict";
(() => {
  const trouble = [];
  Object.defineProperty(window, "__pyfritzTrouble", { value: trouble });
  const text = (value) => {
    if (value instanceof Error) return `${value.name}: ${value.message}`;
    try {
      return typeof value === "string" ? value : String(value);
    } catch {
      return Object.prototype.toString.call(value);
    }
  };
  const consoleError = console.error;
  console.error = function (...args) {
    trouble.push(`console error: ${args.map(text).join(" ")}`);
    return consoleError.apply(this, args);
  };
  addEventListener(
    "error",
    (event) => {
      if (event instanceof ErrorEvent) {
        trouble.push(`uncaught page error: ${event.message || text(event.error)}`);
      } else if (event.target && event.target !== window) {
        // A resource (script, link, img) failed to load: capture phase only.
        const target = event.target;
        trouble.push(`request failed: ${target.src || target.href || target.tagName}`);
      }
    },
    true,
  );
  addEventListener("unhandledrejection", (event) => {
    trouble.push(`uncaught page error: unhandled rejection: ${text(event.reason)}`);
  });
  addEventListener("securitypolicyviolation", (event) => {
    trouble.push(`console error: CSP blocked ${event.blockedURI} (${event.violatedDirective})`);
  });
})();
