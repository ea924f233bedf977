"use strict";
/**
 * Debian's Chromium driven by playwright-core (which never downloads a browser), and a page that
 * records its JavaScript errors and console errors/warnings.
 */
const fs = require("node:fs");

const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--headless",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

function chromiumAvailable() {
  try {
    fs.accessSync(CHROMIUM, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function launch() {
  // never let playwright look for (or fetch) a browser of its own
  process.env.PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD = "1";
  const { chromium } = require("playwright-core");
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true, timeout: 60000 });
}

/**
 * A new page (1600×1000, en-US) whose problems accumulate in `page.problems`:
 * { kind: "pageerror" | "console.error" | "console.warning" | "requestfailed", text }.
 */
async function newPage(browser, { locale = "en-US" } = {}) {
  const context = await browser.newContext({ viewport: { width: 1600, height: 1000 }, locale, deviceScaleFactor: 1 });
  const page = await context.newPage();
  page.problems = [];
  page.on("pageerror", (err) => page.problems.push({ kind: "pageerror", text: `${err.message}\n${err.stack || ""}` }));
  page.on("console", (msg) => {
    const type = msg.type();
    if (type !== "error" && type !== "warning") return;
    const loc = msg.location();
    page.problems.push({ kind: `console.${type}`, text: `${msg.text()}${loc && loc.url ? ` (${loc.url}:${loc.lineNumber})` : ""}` });
  });
  page.on("requestfailed", (req) => {
    // aborted long-polls and comms reconnects on navigation are not problems
    const failure = req.failure();
    if (failure && /ERR_ABORTED/.test(failure.errorText)) return;
    page.problems.push({ kind: "requestfailed", text: `${req.method()} ${req.url()}: ${failure && failure.errorText}` });
  });
  page.on("response", (res) => {
    if (res.status() >= 400) page.problems.push({ kind: "http", text: `${res.request().method()} ${res.url()}: HTTP ${res.status()}` });
  });
  return page;
}

/** Removes and returns the page's problems recorded so far. */
function takeProblems(page) {
  return page.problems.splice(0, page.problems.length);
}

module.exports = { CHROMIUM, CHROMIUM_ARGS, chromiumAvailable, launch, newPage, takeProblems };
