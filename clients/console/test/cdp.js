// A headless Chromium driven over the DevTools protocol, with nothing
// installed from npm: the browser is the system's (Debian's chromium), the
// protocol's WebSocket is clients/js's own RFC 6455 client. Enough of the
// protocol for the console's browser test: one page, its DOM, input,
// screenshots, downloads and emulated screens.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { WebSocket } from '../../js/src/node-websocket.js';

const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export class Browser {
  #process;
  #profile;
  #socket;
  #nextId = 1;
  #pending = new Map();
  #listeners = new Set();
  sessionId = null;

  // Starts `executable` headless with a fresh profile and opens one page.
  static async launch(executable, { timeoutMs = 20000 } = {}) {
    const browser = new Browser();
    await browser.#start(executable, timeoutMs);
    return browser;
  }

  async #start(executable, timeoutMs) {
    this.#profile = mkdtempSync(join(tmpdir(), 'tracechain-console-chromium-'));
    const flags = [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-extensions',
      '--remote-debugging-port=0',
      `--user-data-dir=${this.#profile}`,
      'about:blank',
    ];
    this.#process = spawn(executable, flags, { stdio: ['ignore', 'ignore', 'pipe'] });
    const url = await new Promise((resolve, reject) => {
      let stderr = '';
      const timer = setTimeout(() => reject(new Error(`Chromium printed no DevTools address in ${timeoutMs} ms:\n${stderr}`)), timeoutMs);
      this.#process.stderr.on('data', (chunk) => {
        stderr += chunk;
        const found = stderr.match(/DevTools listening on (ws:\/\/\S+)/);
        if (found) {
          clearTimeout(timer);
          resolve(found[1]);
        }
      });
      this.#process.on('exit', (code) => reject(new Error(`Chromium exited (${code}) before listening:\n${stderr}`)));
    });
    this.#socket = new WebSocket(url);
    await new Promise((resolve, reject) => {
      this.#socket.onopen = resolve;
      this.#socket.onerror = (event) => reject(new Error(`DevTools socket: ${event.message ?? 'error'}`));
    });
    this.#socket.onmessage = (event) => this.#receive(JSON.parse(event.data));
    const { targetId } = await this.send('Target.createTarget', { url: 'about:blank' });
    ({ sessionId: this.sessionId } = await this.send('Target.attachToTarget', { targetId, flatten: true }));
    for (const domain of ['Page', 'Runtime', 'DOM', 'Log']) await this.page(`${domain}.enable`);
  }

  #receive(message) {
    if (message.id !== undefined) {
      const pending = this.#pending.get(message.id);
      this.#pending.delete(message.id);
      if (message.error) pending?.reject(new Error(`${pending.method}: ${message.error.message}`));
      else pending?.resolve(message.result);
      return;
    }
    for (const listener of this.#listeners) listener(message);
  }

  // A browser-level command.
  send(method, params = {}, sessionId = undefined) {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, method });
      this.#socket.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
    });
  }

  // A command to the page.
  page(method, params = {}) {
    return this.send(method, params, this.sessionId);
  }

  // Calls `listener(method, params)` for every event; returns the remover.
  on(listener) {
    const wrapped = (message) => listener(message.method, message.params);
    this.#listeners.add(wrapped);
    return () => this.#listeners.delete(wrapped);
  }

  // The value of a JavaScript expression in the page (awaited if a promise).
  async evaluate(expression) {
    const { result, exceptionDetails } = await this.page('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true });
    if (exceptionDetails) throw new Error(`in the page: ${exceptionDetails.exception?.description ?? exceptionDetails.text}`);
    return result.value;
  }

  // Waits until `expression` is truthy in the page; its value.
  async waitFor(expression, { timeoutMs = 30000, what = expression } = {}) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await this.evaluate(expression).catch(() => undefined);
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${what}`);
      await wait(100);
    }
  }

  async navigate(url) {
    await this.page('Page.navigate', { url });
  }

  // Puts files into the <input type=file> matched by `selector`.
  async setFiles(selector, files) {
    const { root } = await this.page('DOM.getDocument', { depth: 0 });
    const { nodeId } = await this.page('DOM.querySelector', { nodeId: root.nodeId, selector });
    if (!nodeId) throw new Error(`no element ${selector}`);
    await this.page('DOM.setFileInputFiles', { nodeId, files });
  }

  // One key press (Tab, Enter, ...), as the keyboard sends it.
  async press(key, { shift = false } = {}) {
    const codes = { Tab: 9, Enter: 13 };
    const common = { key, code: key, windowsVirtualKeyCode: codes[key], nativeVirtualKeyCode: codes[key], modifiers: shift ? 8 : 0 };
    await this.page('Input.dispatchKeyEvent', { type: 'rawKeyDown', ...common });
    await this.page('Input.dispatchKeyEvent', { type: 'keyUp', ...common });
  }

  async screen(width, height, { mobile = false } = {}) {
    await this.page('Emulation.setDeviceMetricsOverride', { width, height, deviceScaleFactor: 1, mobile });
  }

  // A PNG of the viewport.
  async screenshot() {
    const { data } = await this.page('Page.captureScreenshot', { format: 'png' });
    return Buffer.from(data, 'base64');
  }

  async close() {
    try {
      await Promise.race([this.send('Browser.close'), wait(3000)]);
    } catch {
      // The browser may already be gone; it is killed below either way.
    }
    this.#socket?.close();
    const process = this.#process;
    if (process && process.exitCode === null && process.signalCode === null) {
      const exited = new Promise((resolve) => process.once('exit', resolve));
      if (!(await Promise.race([exited.then(() => true), wait(3000)]))) {
        process.kill('SIGKILL');
        await exited;
      }
    }
    rmSync(this.#profile, { recursive: true, force: true, maxRetries: 5 });
  }
}
