/* deskpilot widget: no framework, no CDN. SSE over fetch + ReadableStream (EventSource
   cannot POST or send an Authorization header). */
(function () {
  "use strict";
  const $ = (sel) => document.querySelector(sel);
  const KEY = "deskpilot.apiKey";
  const state = { threadId: null, busy: false };
  // embedded in a third-party page, storage may be blocked: fall back to memory
  const memory = {};
  const store = {
    get(k) { try { return localStorage.getItem(k); } catch (e) { return memory[k] || null; } },
    set(k, v) { try { localStorage.setItem(k, v); } catch (e) { memory[k] = v; } },
  };

  // a key handed over by widget.js (#key=...) wins; the fragment never reaches the server
  const hash = new URLSearchParams(location.hash.slice(1));
  if (hash.get("key")) { store.set(KEY, hash.get("key")); history.replaceState(null, "", location.pathname); }
  const keyInput = $("#api-key");
  keyInput.value = store.get(KEY) || "";
  keyInput.addEventListener("change", () => { store.set(KEY, keyInput.value.trim()); loadThreads(); });

  function headers() {
    return { "Content-Type": "application/json", "Authorization": "Bearer " + (store.get(KEY) || "") };
  }
  function status(text) { $("#status").textContent = text || ""; }
  async function api(method, path, body) {
    const resp = await fetch(path, { method, headers: headers(), body: body ? JSON.stringify(body) : undefined });
    const data = await resp.json().catch(() => ({}));
    if (!resp.ok) throw new Error((data.error && data.error.message) || resp.statusText);
    return data;
  }
  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // ---- answer text: a small, safe Markdown subset (paragraphs, - and 1. lists, table rows,
  // fenced code, `code` spans). Every piece of model or passage text goes in via textContent;
  // no HTML from the answer is ever parsed.
  function inline(parent, text) {
    const parts = String(text).split("`");
    parts.forEach((part, i) => {
      if (!part) return;
      if (i % 2 === 1 && i < parts.length - 1) parent.appendChild(el("code", "", part));
      else parent.appendChild(document.createTextNode(i % 2 === 1 ? "`" + part : part));
    });
    return parent;
  }
  function renderAnswer(container, text) {
    container.replaceChildren();
    const lines = String(text || "").split("\n");
    let list = null, table = null, para = null;
    const close = () => { list = null; table = null; para = null; };
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i];
      const fence = line.match(/^\s*(```|~~~)/);
      if (fence) {
        const body = [];
        for (i++; i < lines.length && !lines[i].trim().startsWith(fence[1]); i++) body.push(lines[i]);
        const pre = el("pre", "answer-code");
        pre.appendChild(el("code", "", body.join("\n")));
        container.appendChild(pre);
        close();
        continue;
      }
      const item = line.match(/^\s*([-*+]|\d+[.)])\s+(.*)$/);
      if (item) {
        const tag = /\d/.test(item[1]) ? "ol" : "ul";
        if (!list || list.tagName.toLowerCase() !== tag) { close(); list = el(tag, "answer-list"); container.appendChild(list); }
        list.appendChild(inline(el("li"), item[2]));
        continue;
      }
      if (/^\s*\|.*\|\s*$/.test(line)) {
        if (/^\s*\|?[\s:|-]*-{2,}[\s:|-]*\|?\s*$/.test(line)) continue;
        if (!table) { close(); table = el("table", "answer-table"); container.appendChild(table); }
        const tr = el("tr");
        for (const cell of line.trim().replace(/^\||\|$/g, "").split("|")) tr.appendChild(inline(el("td"), cell.trim()));
        table.appendChild(tr);
        continue;
      }
      if (!line.trim()) { close(); continue; }
      if (!para) { close(); para = el("p", "answer-p"); container.appendChild(para); }
      else para.appendChild(document.createTextNode(" "));
      inline(para, line.trim());
    }
    return container;
  }

  // ---- threads ---------------------------------------------------------------------
  async function loadThreads() {
    if (!store.get(KEY)) { status("Enter your API key to start."); return; }
    try {
      const data = await api("GET", "/v1/threads");
      const list = $("#threads");
      list.replaceChildren();
      for (const t of data.threads) {
        const li = el("li", (t.id === state.threadId ? "active " : "") + (t.pending ? "pending" : ""), t.title || t.id);
        li.dataset.id = t.id;
        li.addEventListener("click", () => openThread(t.id));
        list.appendChild(li);
      }
    } catch (err) { status("Could not load threads: " + err.message); }
  }
  async function openThread(id) {
    state.threadId = id;
    const data = await api("GET", "/v1/threads/" + encodeURIComponent(id));
    $("#messages").replaceChildren();
    for (const m of data.messages) {
      const box = addMessage(m.role, m.content);
      if (m.role === "assistant") finishAnswer(box, { message_id: m.id, citations: m.citations, answer: m.content });
    }
    const last = $("#messages").lastElementChild;
    if (data.pending_action && last) showPending(last, data.pending_action);
    loadThreads();
  }
  $("#new-thread").addEventListener("click", () => { state.threadId = null; $("#messages").replaceChildren(); loadThreads(); });

  // ---- messages --------------------------------------------------------------------
  function addMessage(role, text) {
    const box = el("div", "msg " + role);
    box.appendChild(role === "assistant" ? renderAnswer(el("div", "text answer"), text) : el("div", "text", text));
    $("#messages").appendChild(box);
    box.scrollIntoView({ block: "end" });
    return box;
  }
  function addCitation(box, c) {
    let list = box.querySelector(".citations");
    if (!list) { list = el("div", "citations"); box.appendChild(list); }
    const key = c.source + "|" + c.heading;
    if ([...list.children].some((x) => x.dataset.key === key)) return;
    const chip = el("button", "citation", c.title || c.source);
    chip.type = "button";
    chip.dataset.key = key;
    chip.title = c.heading || c.source;
    chip.addEventListener("click", () => showCitation(c));
    list.appendChild(chip);
  }
  function showCitation(c) {
    if (c.url) { window.open(c.url, "_blank", "noopener"); return; }
    const panel = $("#citation-panel");
    const body = panel.querySelector(".body");
    body.replaceChildren(el("strong", "", c.title || c.source), el("div", "", c.heading || ""), el("code", "", c.source));
    if (c.also_in && c.also_in.length) body.appendChild(el("div", "also-in", "Same passage in: " + c.also_in.join(", ")));
    panel.hidden = false;
  }
  $("#citation-panel .close").addEventListener("click", () => { $("#citation-panel").hidden = true; });

  function finishAnswer(box, done) {
    for (const c of done.citations || []) addCitation(box, c);
    if (done.escalated) box.appendChild(el("div", "escalated", "Escalated to a human agent."));
    const actions = el("div", "actions");
    const up = el("button", "thumb up", "▲ Helpful"), down = el("button", "thumb down", "▼ Not helpful");
    const comment = el("input"); comment.placeholder = "comment (optional)";
    const copy = el("button", "copy", "Copy");
    up.type = down.type = copy.type = "button";
    up.setAttribute("aria-label", "thumbs up"); down.setAttribute("aria-label", "thumbs down");
    const rate = async (rating, btn) => {
      try {
        await api("POST", "/v1/feedback", {
          thread_id: state.threadId, message_id: done.message_id, rating, comment: comment.value || undefined,
        });
        up.classList.remove("chosen"); down.classList.remove("chosen"); btn.classList.add("chosen");
        status("Thanks for the feedback.");
      } catch (err) { status("Feedback failed: " + err.message); }
    };
    up.addEventListener("click", () => rate("up", up));
    down.addEventListener("click", () => rate("down", down));
    copy.addEventListener("click", async () => {
      try { await navigator.clipboard.writeText(done.answer || ""); status("Draft copied."); }
      catch (err) { status("Copy failed: " + err.message); }
    });
    actions.append(up, down, comment, copy);
    box.appendChild(actions);
    if (done.pending_action) showPending(box, done.pending_action);
  }
  function showPending(box, action) {
    const bar = el("div", "pending", "Refund waiting for approval" + (action.charge_id ? " (" + action.charge_id + ")" : "") + ": ");
    const yes = el("button", "approve", "Approve"), no = el("button", "deny", "Deny");
    const decide = async (approved) => {
      yes.disabled = no.disabled = true;
      try {
        const done = await api("POST", "/v1/threads/" + encodeURIComponent(state.threadId) + "/approval", { approved });
        bar.remove();
        finishAnswer(addMessage("assistant", done.answer), done);
        loadThreads();
      } catch (err) { status("Approval failed: " + err.message); yes.disabled = no.disabled = false; }
    };
    yes.addEventListener("click", () => decide(true));
    no.addEventListener("click", () => decide(false));
    bar.append(yes, no);
    box.appendChild(bar);
  }

  // ---- SSE over fetch ---------------------------------------------------------------
  function parseEvents(buffer, onEvent) {
    const blocks = buffer.split(/\r?\n\r?\n/);
    const rest = blocks.pop();
    for (const block of blocks) {
      let event = "message", data = "";
      for (const line of block.split(/\r?\n/)) {
        if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data += (data ? "\n" : "") + line.slice(5).replace(/^ /, "");
      }
      if (data) onEvent(event, JSON.parse(data));
    }
    return rest;
  }
  async function ask(question) {
    addMessage("user", question);
    const box = addMessage("assistant", "");
    box.classList.add("streaming");
    const text = box.querySelector(".text");
    let raw = "";
    const resp = await fetch("/v1/chat", {
      method: "POST", headers: headers(),
      body: JSON.stringify({ message: question, thread_id: state.threadId || undefined, stream: true }),
    });
    if (!resp.ok) {
      const data = await resp.json().catch(() => ({}));
      throw new Error((data.error && data.error.message) || resp.statusText);
    }
    const reader = resp.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    const onEvent = (event, data) => {
      if (event === "meta") { state.threadId = data.thread_id; }
      else if (event === "token") { raw += data.text; renderAnswer(text, raw); box.scrollIntoView({ block: "end" }); }
      else if (event === "citation") { addCitation(box, data); }
      else if (event === "done") { renderAnswer(text, data.answer); state.threadId = data.thread_id; box.classList.remove("streaming"); box.dataset.messageId = data.message_id; finishAnswer(box, data); }
      else if (event === "error") { status("Error: " + data.message); }
    };
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer = parseEvents(buffer + decoder.decode(value, { stream: true }), onEvent);
    }
    parseEvents(buffer + "\n\n", onEvent);
  }
  $("#ask").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const q = $("#question").value.trim();
    if (!q || state.busy) return;
    state.busy = true; $("#send").disabled = true; status("Thinking…");
    $("#question").value = "";
    try { await ask(q); status(""); loadThreads(); }
    catch (err) { status("Error: " + err.message); }
    finally { state.busy = false; $("#send").disabled = false; }
  });
  $("#question").addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && !ev.shiftKey) { ev.preventDefault(); $("#ask").requestSubmit(); }
  });
  loadThreads();
})();
