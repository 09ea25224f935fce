// The studio page: the script by chapter, corrections, auditions, cast and builds.
// Plain JavaScript; every text from the book is put in the page as text, never as HTML.
"use strict";

const TOKEN = document.querySelector('meta[name="studio-token"]').content;
const POLL_MS = 1000;
const $ = (id) => document.getElementById(id);

const state = {
  book: null,        // /api/book
  cast: null,        // /api/cast
  chapter: null,     // /api/chapter of the chapter on screen
  version: 0,        // the version of the script and cast the page shows
  dirty: new Map(),  // "name\nfield" -> {name, field, original}: typed, not yet saved
  build: null,
  timings: {},       // for the benchmark: performance.now() marks
  noticeSeen: 0,     // the server's notices up to this version were shown
  pending: 0,        // the page's own changes, from sending until the answer is on screen
  redrawing: false,  // the cast panel is being rebuilt: its fields' events are not the user's
};
window.studio = state;

// --- talking to the server ---------------------------------------------------------

async function api(path, body) {
  const options = { headers: { "X-Studio-Token": TOKEN } };
  if (body !== undefined) {
    options.method = "POST";
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await fetch(path, options);
  const type = response.headers.get("Content-Type") || "";
  if (!type.startsWith("application/json")) {
    if (!response.ok) throw new Error(response.statusText);
    return response;
  }
  const data = await response.json();
  if (!response.ok) throw new Error(data.error || response.statusText);
  return data;
}

// A change of the script or the cast: sent, then its answer shown (`answered` first sees it).
// Until the answer is on screen, polling must not take the new version for an outside edit.
async function change(path, body, answered = () => {}) {
  state.pending += 1;
  try {
    const result = await api(path, body);
    answered(result);
    await applyChange(result);
    return result;
  } finally {
    state.pending -= 1;
  }
}

function withToken(path) {
  return path + (path.includes("?") ? "&" : "?") + "token=" + encodeURIComponent(TOKEN);
}

function notice(text, kind = "") {
  const box = $("notice");
  box.textContent = text;
  box.className = kind;
}

// --- colours -------------------------------------------------------------------------

// Twelve well-separated colours (red is kept for quotes nobody was found for); each
// speaker takes its name's slot, or the next free one.
const PALETTE = ["#1f77b4", "#6d4c41", "#2ca02c", "#9467bd", "#e67e00", "#17becf",
  "#8c564b", "#e377c2", "#7f7f00", "#3949ab", "#00897b", "#c2185b"];
const colours = new Map();

function hashName(name) {
  let h = 0;
  for (const ch of name) h = (h * 31 + ch.codePointAt(0)) >>> 0;
  return h;
}

function assignColours(names) {
  colours.clear();
  const taken = new Set();
  for (const name of [...names].sort()) {
    let slot = hashName(name) % PALETTE.length;
    for (let i = 0; i < PALETTE.length && taken.has(slot); i++) slot = (slot + 1) % PALETTE.length;
    taken.add(slot);
    colours.set(name, taken.size > PALETTE.length ? `hsl(${hashName(name) % 360} 60% 35%)` : PALETTE[slot]);
  }
}

function colour(name) {
  if (name === "narrator") return "#4a4a4a";
  if (name === "unknown") return "#b91c1c";
  return colours.get(name) || `hsl(${hashName(name) % 360} 60% 35%)`;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k === "colour") node.style.setProperty("--c", v);  // CSSOM: allowed by the CSP
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) node.setAttribute(k, v === true ? "" : v);
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// --- the book and its chapters ---------------------------------------------------------

async function loadBook() {
  state.book = await api("/api/book");
  showBookInfo();
}

function showBookInfo() {
  $("book-title").textContent = state.book.title + (state.book.author ? " — " + state.book.author : "");
  $("cast-file").textContent = "Cast file: " + state.book.cast_file;
  $("undo").disabled = !state.book.can_undo;
  renderChapterList();
}

function renderChapterList() {
  const list = $("chapter-list");
  list.replaceChildren();
  for (const c of state.book.chapters) {
    const item = el("li", { "data-chapter": c.number, onclick: () => showChapter(c.number) },
      el("span", { class: "title", title: c.title }, c.title),
      c.unknown ? el("span", { class: "badge unknown", title: `${c.unknown} quote(s) nobody was found for` }, "?" + c.unknown) : null,
      c.doubtful ? el("span", { class: "badge doubtful", title: `${c.doubtful} doubtful quote(s)` }, "~" + c.doubtful) : null,
      c.corrected ? el("span", { class: "badge corrected", title: `${c.corrected} correction(s)` }, "✓" + c.corrected) : null);
    if (state.chapter && state.chapter.number === c.number) item.classList.add("current");
    list.append(item);
  }
}

async function showChapter(number, changed = []) {
  const data = await api("/api/chapter?n=" + number);
  state.chapter = data;
  renderChapter(new Set(changed));
  history.replaceState(null, "", "#chapter=" + number);
  $("script").scrollTop = 0;
}

function renderChapter(changed = new Set()) {
  const data = state.chapter;
  $("chapter-title").textContent = data.title;
  const box = $("lines");
  box.replaceChildren();
  for (const paragraph of data.paragraphs) {
    const p = el("p");
    paragraph.forEach((line, i) => {
      if (i > 0) p.append(" ");
      p.append(lineNode(line, changed.has(line.id)));
    });
    box.append(p);
  }
  for (const li of $("chapter-list").children) {
    li.classList.toggle("current", Number(li.dataset.chapter) === data.number);
  }
  const numbers = state.book.chapters.map((c) => c.number);
  const at = numbers.indexOf(data.number);
  $("prev").disabled = at <= 0;
  $("next").disabled = at >= numbers.length - 1;
  box.dataset.version = data.version;
  box.dataset.chapter = data.number;
  state.timings.rendered = performance.now();
}

function lineNode(line, changed) {
  const classes = ["line", line.kind === "dialogue" ? "quote" : line.kind];
  if (line.kind === "dialogue") {
    if (line.speaker === "unknown") classes.push("unknown");
    if (line.doubtful) classes.push("doubtful");
    if (line.corrected) classes.push("corrected");
  }
  if (changed) classes.push("changed");
  const attrs = { class: classes.join(" "), "data-id": line.id, "data-speaker": line.speaker };
  if (line.kind === "dialogue") {
    attrs.colour = colour(line.speaker);
    const sure = line.confidence === null ? "" : ` (confidence ${line.confidence.toFixed(2)})`;
    attrs.title = (line.speaker === "unknown" ? "nobody found" : line.speaker) + sure;
    return el("span", attrs,
      el("span", { class: "who" }, line.speaker === "unknown" ? "?" : line.speaker), line.text);
  }
  return el("span", attrs, line.text);
}

function lineById(id) {
  for (const paragraph of state.chapter.paragraphs) {
    for (const line of paragraph) if (line.id === id) return line;
  }
  return null;
}

// After a change: the answer carries the book, the cast and the chapters it touched.
async function applyChange(result) {
  state.version = Math.max(state.version, result.version);
  state.cast = result.cast;
  assignColours(state.cast.speakers.map((s) => s.name).filter((n) => n !== "narrator"));
  state.book = result.book;
  const current = state.chapter && result.chapter_data[state.chapter.number];
  if (current) {
    state.chapter = current;
    renderChapter(new Set(result.changed));
  } else if (state.chapter && result.chapters.includes(state.chapter.number)) {
    await showChapterKeepScroll(state.chapter.number, result.changed);
  }
  showBookInfo();
  renderCast();
}

async function showChapterKeepScroll(number, changed) {
  state.chapter = await api("/api/chapter?n=" + number);
  renderChapter(new Set(changed));  // the script's own scroll position stays
}

// --- the line menu -------------------------------------------------------------------

function closeMenu() {
  $("menu").hidden = true;
  $("mark-quote").hidden = true;
}

function place(node, anchor) {
  const r = anchor.getBoundingClientRect();
  node.hidden = false;
  const left = Math.min(r.left, document.documentElement.clientWidth - node.offsetWidth - 8);
  node.style.left = Math.max(8, left) + "px";
  const below = r.bottom + 6 + node.offsetHeight <= window.innerHeight;
  node.style.top = Math.max(8, below ? r.bottom + 6 : r.top - 6 - node.offsetHeight) + "px";
}

function speakerChoices(current, onPick) {
  const box = el("div", { class: "choices" });
  const speakers = state.cast.speakers.filter((s) => s.name !== "narrator");
  for (const s of speakers) {
    box.append(el("button", {
      type: "button", class: s.name === current ? "current" : "", colour: colour(s.name),
      "data-speaker": s.name, onclick: () => onPick(s.name, false),
    }, s.name));
  }
  const input = el("input", { type: "text", placeholder: "Someone else: type a name", "aria-label": "New character's name" });
  const add = el("button", { type: "button", onclick: () => input.value.trim() && onPick(input.value.trim(), true) }, "Add");
  input.addEventListener("keydown", (e) => { if (e.key === "Enter" && input.value.trim()) onPick(input.value.trim(), true); });
  return [box, el("div", { class: "row" }, input, add)];
}

function openLineMenu(node) {
  const id = Number(node.dataset.id);
  const line = lineById(id);
  if (!line) return;
  const menu = $("menu");
  menu.replaceChildren();
  const error = el("div", { class: "error", role: "alert" });
  const play = el("button", { type: "button", class: "play", onclick: () => playLine(id, node) }, "▶ Play");
  menu.append(el("div", { class: "row" }, play,
    el("span", { class: "muted" }, line.kind === "dialogue"
      ? (line.speaker === "unknown" ? "Nobody found" : line.speaker) + (line.confidence !== null ? ` · confidence ${line.confidence.toFixed(2)}` : "")
      : "Read by the narrator")));
  menu.append(el("div", { class: "quote-text" }, line.text));
  if (line.kind === "dialogue") {
    menu.append(el("div", {}, "Who says it?"));
    const pick = async (name, isNew) => {
      error.textContent = "";
      state.timings.correctionStart = performance.now();
      try {
        await correct({ id, speaker: name, new: isNew });
        closeMenu();
      } catch (err) { error.textContent = err.message; }
    };
    menu.append(...speakerChoices(line.speaker, pick));
    menu.append(el("div", { class: "row" }, el("button", {
      type: "button", class: "narration", onclick: async () => {
        error.textContent = "";
        try { await correct({ id, kind: "narration" }); closeMenu(); } catch (err) { error.textContent = err.message; }
      },
    }, "Not a quote: the narrator reads it")));
  } else if (line.kind === "narration") {
    menu.append(el("div", { class: "muted" }, "Select words of this line to mark a quote that was missed."));
  }
  menu.append(error);
  place(menu, node);
}

async function correct(body) {
  const result = await change("/api/correct", body);
  state.timings.correctionShown = performance.now();
  const n = result.changed.length;
  notice(`Saved to the cast file; ${n} line${n === 1 ? "" : "s"} changed speaker.`);
  return result;
}

function openQuoteMaker(node, words, rect) {
  const id = Number(node.dataset.id);
  const button = $("mark-quote");
  button.onclick = () => {
    button.hidden = true;
    const menu = $("menu");
    menu.replaceChildren();
    const error = el("div", { class: "error", role: "alert" });
    menu.append(el("div", {}, "A quote the reading missed:"), el("div", { class: "quote-text" }, words));
    menu.append(el("div", {}, "Who says it?"));
    menu.append(...speakerChoices(null, async (name, isNew) => {
      error.textContent = "";
      try {
        await change("/api/mark-quote", { id, words, speaker: name, new: isNew });
        notice("Saved to the cast file: a new quote for " + name + ".");
        closeMenu();
      } catch (err) { error.textContent = err.message; }
    }));
    menu.append(error);
    place(menu, node);
  };
  button.hidden = false;
  button.style.left = rect.left + "px";
  button.style.top = (rect.bottom + 6) + "px";
}

function onScriptMouseUp(event) {
  if (event.target.closest("#menu")) return;
  const selection = window.getSelection();
  const text = selection ? selection.toString() : "";
  if (text.trim()) {
    const range = selection.getRangeAt(0);
    const start = range.startContainer.parentElement.closest(".line");
    const end = range.endContainer.parentElement.closest(".line");
    if (start && start === end && start.classList.contains("narration")) {
      $("menu").hidden = true;
      openQuoteMaker(start, text.trim(), range.getBoundingClientRect());
    }
    return;
  }
  const node = event.target.closest(".line");
  if (node) openLineMenu(node);
}

// --- hearing lines -------------------------------------------------------------------

let playingUrl = null;

async function playAudio(path, node) {
  const player = $("player");
  document.querySelectorAll(".line.playing").forEach((n) => n.classList.remove("playing"));
  state.timings.playRequested = performance.now();
  try {
    const response = await api(path);
    const blob = await response.blob();
    if (playingUrl) URL.revokeObjectURL(playingUrl);
    playingUrl = URL.createObjectURL(blob);
    player.src = playingUrl;
    if (node) node.classList.add("playing");
    await player.play();
  } catch (err) {
    notice("Could not play: " + err.message, "error");
  }
}

function playLine(id, node) {
  return playAudio("/api/line-audio?id=" + id, node);
}

// --- the cast panel ------------------------------------------------------------------

async function loadCast() {
  state.cast = await api("/api/cast");
  assignColours(state.cast.speakers.map((s) => s.name).filter((n) => n !== "narrator"));
  renderCast();
}

async function loadVoices() {
  const { voices } = await api("/api/voices");
  $("voice-list").replaceChildren(...voices.map((v) => el("option", { value: v.id }, `${v.name} (${v.gender})`)));
}

// Rebuilt after every change and outside edit. Removing the field being typed in makes the
// browser blur it and fire its `change`: `redrawing` tells the handlers that this is not the
// user leaving the field, and the same field of the new panel gets the focus back.
function renderCast() {
  const box = $("speakers");
  const typing = box.contains(document.activeElement) ? document.activeElement : null;
  const caret = typing && typing.tagName === "INPUT" && typing.type === "text"
    ? [typing.selectionStart, typing.selectionEnd] : null;
  state.redrawing = true;
  try {
    box.replaceChildren(...state.cast.speakers.map(speakerCard));
  } finally {
    state.redrawing = false;
  }
  if (!typing) return;
  const again = [...box.querySelectorAll("input, select")].find(
    (n) => n.dataset.speaker === typing.dataset.speaker && n.name === typing.name);
  if (!again) return;
  again.focus();
  if (caret) again.setSelectionRange(...caret);
}

function fieldInput(s, field) {
  const key = s.name + "\n" + field;
  let input;
  if (field === "gender") {
    input = el("select", {}, ...state.cast.genders.map((g) => el("option", { value: g }, g)));
    input.value = s.gender;
  } else {
    const value = field === "aliases" ? s.aliases.join(", ") : (s[field] ?? "");
    input = el("input", {
      type: field === "rate" || field === "pitch" ? "number" : "text", value,
      list: field === "voice" ? "voice-list" : null,
      placeholder: field === "rate" ? String(s.effective_rate) : field === "pitch" ? "50" : field === "aliases" ? "other names, with commas" : "",
      min: field === "rate" ? 40 : field === "pitch" ? 0 : null,
      max: field === "rate" ? 600 : field === "pitch" ? 100 : null,
    });
  }
  input.name = field;
  input.dataset.speaker = s.name;
  const dirty = state.dirty.get(key);
  if (dirty) {  // typed before the panel was redrawn: keep it
    input.value = dirty.mine;
    input.classList.add("dirty");
    if (dirty.conflict) input.classList.add("conflict");
  }
  input.addEventListener("input", () => {
    const entry = state.dirty.get(key) || { name: s.name, field, original: currentValue(s, field) };
    entry.mine = input.value;
    state.dirty.set(key, entry);
    input.classList.add("dirty");
  });
  // Saved when the user leaves a field they changed (or picks a gender, or steps a number);
  // not when a redraw removes the field or the browser's window loses the focus, and a
  // field in conflict only on Enter. (`blur` too: a field given the focus back after a
  // redraw gets no `change` from the browser for what was typed before it.)
  const left = () => {
    const entry = state.dirty.get(key);
    if (!state.redrawing && document.hasFocus() && entry && !entry.conflict) {
      saveField(s.name, field, input);
    }
  };
  input.addEventListener("change", left);
  input.addEventListener("blur", left);
  // Enter saves even a value the browser thinks unchanged (put back after a redraw);
  // Escape takes back what was typed: the file's value again.
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && state.dirty.has(key)) {
      e.preventDefault();
      saveField(s.name, field, input);
    } else if (e.key === "Escape" && state.dirty.has(key)) {
      input.value = state.dirty.get(key).theirs ?? currentValue(s, field);
      state.dirty.delete(key);
      input.classList.remove("dirty", "conflict");
    }
  });
  return input;
}

function currentValue(s, field) {
  if (field === "aliases") return s.aliases.join(", ");
  const v = s[field];
  return v === null || v === undefined ? "" : String(v);
}

async function saveField(name, field, input) {
  const key = name + "\n" + field;
  const entry = state.dirty.get(key);
  if (!entry || entry.saving) return;  // nothing typed, or on its way already
  const sent = input.value;
  const value = field === "rate" || field === "pitch" ? (sent === "" ? null : Number(sent)) : sent;
  entry.saving = true;
  try {
    await change("/api/speaker", { name, field, value }, () => {
      // Saved: the redraw shows the file's value, unless more was typed meanwhile.
      if (state.dirty.get(key) !== entry) return;
      if (entry.mine === sent) state.dirty.delete(key);
      else Object.assign(entry, { original: sent, conflict: false });
    });
    notice(`Saved ${name}'s ${field} to the cast file.`);
  } catch (err) {
    notice(`${name}'s ${field} was not saved: ${err.message}`, "error");
  } finally {
    entry.saving = false;
  }
}

function speakerCard(s) {
  const fields = s.name === "narrator" ? ["voice", "rate", "pitch"] : ["voice", "gender", "rate", "pitch", "aliases"];
  const grid = el("div", { class: "fields" });
  for (const field of fields) grid.append(el("label", {}, field), fieldInput(s, field));
  return el("div", { class: "speaker", colour: colour(s.name), "data-name": s.name },
    el("header", {},
      el("b", {}, s.name),
      el("span", { class: "muted" }, s.name === "narrator" ? "narration" : `${s.lines} line${s.lines === 1 ? "" : "s"}`),
      el("button", { type: "button", class: "audition", title: "Hear this voice", onclick: (e) => playAudio("/api/audition?name=" + encodeURIComponent(s.name), e.target) }, "▶")),
    s.in_file ? null : el("div", { class: "not-in-file" }, "found in the book; a change adds them to the cast file"),
    grid);
}

// --- outside edits and builds: polling ----------------------------------------------------

async function poll() {
  try {
    const status = await api("/api/status");
    $("undo").disabled = !status.can_undo;
    if (status.file_error) notice(status.file_error, "error");
    if (status.version > state.version && !state.pending) {
      await reloadAfterOutsideEdit(status);
    }
    showBuild(status.build);
  } catch (err) {
    notice("The studio is not answering (" + err.message + "); is `audiobook studio` still running?", "error");
  } finally {
    setTimeout(poll, POLL_MS);
  }
}

async function reloadAfterOutsideEdit(status) {
  state.version = status.version;
  await Promise.all([loadBook(), state.chapter ? showChapterKeepScroll(state.chapter.number, []) : null]);
  state.cast = await api("/api/cast");
  assignColours(state.cast.speakers.map((s) => s.name).filter((n) => n !== "narrator"));
  const conflicts = [];
  for (const [key, entry] of state.dirty) {
    const now = state.cast.speakers.find((s) => s.name === entry.name);
    const theirs = now ? currentValue(now, entry.field) : "(removed)";
    if (theirs === entry.mine) {
      state.dirty.delete(key);  // the file now says what was typed: nothing to decide
    } else if (theirs !== entry.original) {
      entry.conflict = true;
      entry.theirs = theirs;
      conflicts.push(`${entry.name}'s ${entry.field}: yours "${entry.mine}" is not saved, the file now says "${theirs}"`);
    }
  }
  renderCast();
  if (conflicts.length) {
    notice("The cast file changed on disk while you were editing. Conflict: " + conflicts.join("; ") + ". Press Enter in the field to keep yours, Escape to take the file's.", "conflict");
  } else if (status.notice && status.notice_version > state.noticeSeen && !status.file_error) {
    notice(status.notice);
  }
  state.noticeSeen = Math.max(state.noticeSeen, status.notice_version);
}

function showBuild(build) {
  state.build = build;
  const running = build && build.state === "running";
  $("build").disabled = running;
  $("stop-build").hidden = !running;
  $("progress").hidden = !build;
  if (!build) return;
  $("progress-message").textContent = build.message + ` (${build.seconds} s)`;
  const bars = $("bars");
  bars.replaceChildren(...Object.entries(build.bars).map(([stage, [n, total]]) =>
    el("span", { class: "bar", "data-stage": stage }, stage,
      el("progress", { value: n, max: total || 1 }), `${n}/${total}`)));
  $("progress").dataset.state = build.state;
  if (build.state === "done" && build.result) showOutput(build.result);
}

let shownResult = null;

function showOutput(result) {
  const key = JSON.stringify(result);
  if (key === shownResult) return;
  shownResult = key;
  const player = $("book-player");
  const list = $("files");
  list.replaceChildren();
  const url = (name) => withToken("/out?name=" + encodeURIComponent(name));
  for (const name of result.files) {
    list.append(el("li", {},
      el("button", { type: "button", class: "play-file", title: "Play", onclick: () => { player.src = url(name); player.play(); } }, "▶"),
      " ", el("a", { href: url(name), download: name }, name)));
  }
  if (result.m4b) list.append(el("li", {}, "Audiobook: ", el("a", { href: url(result.m4b), download: result.m4b }, result.m4b)));
  if (result.playlist) list.append(el("li", {}, "Playlist: ", el("a", { href: url(result.playlist), download: result.playlist }, result.playlist)));
  const first = result.files[0] || result.m4b;
  if (first) player.src = url(first);
  $("output").hidden = false;
}

// --- start ---------------------------------------------------------------------------

function wire() {
  $("lines").addEventListener("mouseup", onScriptMouseUp);
  $("player").addEventListener("playing", () => { state.timings.playing = performance.now(); });
  document.addEventListener("keydown", (e) => { if (e.key === "Escape") closeMenu(); });
  $("script").addEventListener("scroll", closeMenu);
  document.addEventListener("mousedown", (e) => {
    if (!e.target.closest("#menu") && !e.target.closest("#mark-quote")) closeMenu();
  });
  $("undo").addEventListener("click", async () => {
    try {
      await change("/api/undo", {});
      notice("Undone; the cast file is as it was before that correction.");
    } catch (err) { notice(err.message, "error"); }
  });
  $("build").addEventListener("click", async () => {
    try { showBuild(await api("/api/build", {})); } catch (err) { notice(err.message, "error"); }
  });
  $("stop-build").addEventListener("click", async () => {
    try { await api("/api/build/stop", {}); } catch (err) { notice(err.message, "error"); }
  });
  const step = (delta) => {
    const numbers = state.book.chapters.map((c) => c.number);
    const at = numbers.indexOf(state.chapter.number) + delta;
    if (at >= 0 && at < numbers.length) showChapter(numbers[at]);
  };
  $("prev").addEventListener("click", () => step(-1));
  $("next").addEventListener("click", () => step(1));
}

async function start() {
  wire();
  try {
    await loadBook();
    state.version = state.book.version;
    state.noticeSeen = state.book.version;
    const wanted = Number((location.hash.match(/chapter=(\d+)/) || [])[1]);
    const first = state.book.chapters.some((c) => c.number === wanted) ? wanted : state.book.chapters[0].number;
    await loadCast();
    await showChapter(first);
    loadVoices();
    state.timings.firstChapter = performance.now();
    document.body.dataset.ready = "1";
  } catch (err) {
    notice("Could not load the book: " + err.message, "error");
  }
  poll();
}

start();
