// The console's Presenters tab: the merchant's personas (who presents its
// rooms: look, voice, AI disclosure, and for a real person's face or voice
// the licence that covers it) and its licences, over the public API
// (/api/v1/personas, /api/v1/licences; docs/api.md "Personas", "Licences").
//
// console.js owns the session and hands this module what it needs
// (mountPresenters(deps)): no import back into console.js, so the two
// modules do not form a cycle. Text from the API goes into the page with
// textContent only. What the merchant types is never lost without asking:
// the open form's changes are kept in sessionStorage as a draft until
// saved, and opening another record, signing out or leaving the page asks
// first (as the script editor does).

const ID_RE = /^[A-Za-z0-9_-]{1,64}$/;
const USES = ["face", "voice", "livestream", "museum", "commercial"];
const FACES = ["oval", "round", "heart"];
const HAIRS = ["bob", "bun", "short", "long"];
const COLOURS = [["hair_color", "Hair colour"], ["skin", "Skin"], ["outfit", "Outfit"], ["accent", "Accent"]];
// The colours avatar-svg.js draws when the look leaves one out, shown by
// the pickers of an empty colour.
const DEFAULT_COLOURS = { hair_color: "#2b1d16", skin: "#f1cfb4", outfit: "#3d6b8c", accent: "#e0a100" };
const DRAFT = "avatarcast.console.presenters.draft."; // + kind + "." + id; cleared with the session
// The viewer pages' avatar renderer, served by the same gateway (/static/),
// which the console's CSP (script-src 'self') lets in.
const RENDERER = "/static/avatar-svg.js";

// mountPresenters builds the Presenters view into #view-presenters and
// returns its hooks for console.js: show (the tab was chosen), reset (sign
// out: forget everything), dirty, confirmDiscard and save (Ctrl+S).
// deps: api(method, path, body), el(tag, attrs, ...children), toast(msg),
// isStale(err) (the answer belongs to a session that ended), openRoom(id)
// (show a room in the Rooms tab), roomsChanged() (rooms' statuses changed).
export function mountPresenters(deps) {
  const { api, el, toast, isStale, openRoom, roomsChanged } = deps;
  const view = document.getElementById("view-presenters");
  const st = { personas: [], seed: [], licences: [], open: null, versions: [] };
  let seq = 0; // answers of an older load are dropped
  let renderer = null; // the avatar module, once loaded (false: it cannot load)
  let avatar = null; // the preview's renderer instance

  // ---- skeleton ----

  const personaList = el("ul", { class: "items", id: "persona-list", "aria-labelledby": "pr-personas-h" });
  const seedList = el("ul", { class: "items seed", id: "seed-list", "aria-labelledby": "pr-seed-h" });
  const licenceList = el("ul", { class: "items", id: "licence-list", "aria-labelledby": "pr-licences-h" });
  const main = el("div", { class: "pr-main", id: "pr-main" });
  const versions = el("ul", { class: "versions", id: "pr-versions" });
  view.replaceChildren(
    el("aside", { class: "list pr-list" },
      el("div", { class: "list-head" }, el("h2", { id: "pr-personas-h", text: "Personas" }),
        el("button", { type: "button", id: "persona-new", text: "New persona", onclick: () => newRecord("persona", "") })),
      personaList,
      el("h3", { id: "pr-seed-h", class: "seed-head", text: "From the personas file" }),
      el("p", { class: "muted small", text: "Every merchant may name these. A persona of yours with the same id shadows one for your rooms only." }),
      seedList,
      el("div", { class: "list-head pr-lic-head" }, el("h2", { id: "pr-licences-h", text: "Licences" }),
        el("button", { type: "button", id: "licence-new", text: "New licence", onclick: () => newRecord("licence", "") })),
      licenceList),
    main,
    el("aside", { class: "side pr-side" },
      el("section", {}, el("h3", { id: "pr-versions-h", text: "Versions" }), versions),
      el("section", { class: "muted small" }, el("h3", { text: "About" }),
        el("p", { text: "A persona is who presents a room: its look, voice and AI disclosure. A real person's face or voice needs one of your licences for that person; revoking or deleting the licence stops at once every room it covered." }),
        el("p", { text: "Rooms keep the persona they started with until their next start or script assignment." }))));
  emptyMain();

  function emptyMain(msg) {
    st.open = null;
    destroyAvatar();
    main.replaceChildren(el("div", { class: "pr-empty" },
      el("div", { class: "result ok", role: "status", tabindex: -1, hidden: !msg }, msg || ""),
      el("p", { class: "muted", text: "Choose a persona or a licence, or make a new one." })));
    versions.replaceChildren(el("li", { class: "muted small", text: "Nothing open." }));
  }

  // ---- helpers ----

  const utc = (iso) => (iso ? new Date(iso).toISOString().replace("T", " ").replace(/:\d\d\.\d+Z$|:\d\dZ$/, "Z") : "");
  const pad = (n) => String(n).padStart(2, "0");
  // A datetime-local input holds the merchant's own time, to the second.
  function toLocal(iso) {
    if (!iso) return "";
    const d = new Date(iso);
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + "T" + pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds());
  }
  function fromLocal(v) {
    if (!v) return undefined;
    const d = new Date(v);
    return isNaN(d) ? v : d.toISOString();
  }
  let uid = 0;
  const nextID = (p) => "pr-" + p + "-" + ++uid;

  // field wraps a labelled control in a box named by the API's field name,
  // where that field's problems are shown.
  function field(name, label, control, hint) {
    control.id = control.id || nextID("f");
    const box = el("div", { class: "pf", "data-field": name }, el("label", { for: control.id, text: label }), control);
    if (hint) {
      const h = el("p", { class: "hint", id: nextID("h"), text: hint });
      control.setAttribute("aria-describedby", h.id);
      box.append(h);
    }
    return box;
  }
  const input = (attrs) => el("input", Object.assign({ autocomplete: "off", spellcheck: "false" }, attrs));

  // licenceStatus says whether licence l covers anything now.
  function licenceStatus(l) {
    const now = Date.now();
    if (l.revoked_at) return { cls: "bad", text: "revoked" };
    if (l.expires && Date.parse(l.expires) <= now) return { cls: "bad", text: "expired" };
    if (l.valid_from && Date.parse(l.valid_from) > now) return { cls: "warn", text: "not yet valid" };
    return { cls: "ok", text: "valid" };
  }

  // personaFlag says what stands in the way of persona p presenting, as far
  // as the licences listed tell: its licence missing, revoked, expired or
  // not covering the face or voice it uses. null: nothing.
  function personaFlag(p) {
    if (p.synthetic || !p.likeness) return null;
    const lk = p.likeness;
    const l = st.licences.find((x) => x.id === lk.licence_id);
    if (!l) return "licence " + (lk.licence_id || "") + " missing";
    const s = licenceStatus(l);
    if (s.cls !== "ok") return "licence " + l.id + " " + s.text;
    for (const u of ["face", "voice"]) if (lk[u] && !(l.covers || []).includes(u)) return "licence " + l.id + " does not cover the " + u;
    return null;
  }

  function badge(text, cls) { return el("span", { class: "badge " + (cls || ""), text }); }

  // ---- lists ----

  async function load() {
    const my = ++seq;
    const [p, l] = await Promise.all([api("GET", "/personas"), api("GET", "/licences")]);
    if (my !== seq) return;
    st.personas = p.personas.sort((a, b) => a.id.localeCompare(b.id));
    st.seed = (p.seed || []).slice().sort();
    st.licences = l.licences.sort((a, b) => a.id.localeCompare(b.id));
    renderLists();
    if (st.open && st.open.kind === "persona") renderLicenceChoice();
  }

  function current(kind, id) { return st.open && st.open.kind === kind && st.open.id === id && st.open.stored ? "true" : "false"; }

  // renderLists draws the three lists again; the button that had the focus
  // keeps it.
  function renderLists() {
    const f = document.activeElement;
    const focused = f && f.closest && f.closest(".pr-list") && f.matches("button") ? f : null;
    const key = focused && (focused.dataset.persona ? '[data-persona="' + CSS.escape(focused.dataset.persona) + '"]'
      : focused.dataset.licence ? '[data-licence="' + CSS.escape(focused.dataset.licence) + '"]'
      : focused.closest("[data-seed]") ? '[data-seed="' + CSS.escape(focused.closest("[data-seed]").dataset.seed) + '"] button' : null);
    drawLists();
    if (key && !focused.isConnected) {
      const again = view.querySelector(".pr-list " + key);
      if (again) again.focus();
    }
  }

  function drawLists() {
    personaList.replaceChildren();
    if (!st.personas.length) personaList.append(el("li", { class: "muted small", text: "None of your own yet." }));
    for (const p of st.personas) {
      const flag = personaFlag(p);
      personaList.append(el("li", {}, el("button", { type: "button", "data-persona": p.id, "aria-current": current("persona", p.id), onclick: () => openRecord("persona", p.id) },
        el("span", { text: p.id }),
        el("span", { class: "muted small", text: "v" + p.version + " · " + utc(p.updated) }),
        el("span", { class: "tags" }, p.synthetic ? badge("synthetic") : badge("likeness of " + ((p.likeness && p.likeness.person) || "?"), "likeness"),
          flag ? badge("⚠ " + flag, "refused") : null))));
    }
    seedList.replaceChildren();
    if (!st.seed.length) seedList.append(el("li", { class: "muted small", text: "None left to shadow." }));
    for (const id of st.seed) {
      seedList.append(el("li", { "data-seed": id }, el("code", { text: id }),
        el("button", { type: "button", class: "quiet small", text: "Shadow", title: "Make your own persona with the id " + id + " (from an empty form: the file's persona is not readable over the API)",
          "aria-label": "Shadow " + id + " with a persona of your own", onclick: () => newRecord("persona", id) })));
    }
    licenceList.replaceChildren();
    if (!st.licences.length) licenceList.append(el("li", { class: "muted small", text: "No licences yet." }));
    for (const l of st.licences) {
      const s = licenceStatus(l);
      licenceList.append(el("li", {}, el("button", { type: "button", "data-licence": l.id, "aria-current": current("licence", l.id), onclick: () => openRecord("licence", l.id) },
        el("span", { text: l.id }),
        el("span", { class: "muted small", text: l.person + " · " + (l.covers || []).join(", ") }),
        el("span", { class: "tags" }, badge(s.text, s.cls === "ok" ? "model" : s.cls === "warn" ? "fallback" : "refused"),
          el("span", { class: "muted small", text: "v" + l.version })))));
    }
  }

  // ---- open, new, dirty guard ----

  function dirty() { return !!(st.open && st.open.read && JSON.stringify(st.open.read()) !== st.open.saved); }

  // confirmDiscard asks before the open form's changes go; discarded, its
  // draft goes too (else it would come back the next time it opens).
  function confirmDiscard() {
    if (!dirty()) return true;
    const o = st.open;
    if (!window.confirm("Discard the unsaved changes to " + o.kind + " " + (o.id || "(new)") + "?")) return false;
    if (o.stored) sessionStorage.removeItem(DRAFT + o.kind + "." + o.id);
    return true;
  }

  async function openRecord(kind, id) {
    const same = st.open && st.open.stored && st.open.kind === kind && st.open.id === id;
    if (same && dirty()) return; // it is open, with the changes typed
    if (st.open && !same && !confirmDiscard()) return;
    const rec = await api("GET", "/" + kind + "s/" + encodeURIComponent(id));
    show(kind, id, rec, true);
  }

  function newRecord(kind, id) {
    if (!confirmDiscard()) return;
    show(kind, id, null, false);
  }

  // show draws the form of record rec (null: a new one) and its versions;
  // a draft kept from before this page load is restored into it.
  function show(kind, id, rec, stored) {
    if (st.open) clearDraftIfClean();
    destroyAvatar();
    // Read before the form is drawn: drawing it marks it clean.
    const draft = stored ? sessionStorage.getItem(DRAFT + kind + "." + id) : null;
    st.open = { kind, id, stored, version: rec ? rec.version : 0, record: rec, read: null, saved: "" };
    (kind === "persona" ? personaForm : licenceForm)(rec);
    if (draft && draft !== st.open.saved) {
      try {
        st.open.fill(JSON.parse(draft));
        toast("Restored your unsaved changes to " + kind + " " + id + ".");
      } catch { /* a broken draft: the stored record stands */ }
    }
    markDirty();
    renderLists();
    loadVersions();
    const h = main.querySelector("h2");
    if (h) h.focus();
  }

  function clearDraftIfClean() {
    if (st.open && st.open.stored && !dirty()) sessionStorage.removeItem(DRAFT + st.open.kind + "." + st.open.id);
  }

  function markDirty() {
    const o = st.open;
    if (!o) return;
    const d = dirty();
    const s = main.querySelector(".pr-state");
    if (s) s.textContent = (o.stored ? "version " + o.version : "new, not saved") + (d ? " · unsaved changes" : "");
    if (o.stored && o.read) {
      if (d) sessionStorage.setItem(DRAFT + o.kind + "." + o.id, JSON.stringify(o.read()));
      else sessionStorage.removeItem(DRAFT + o.kind + "." + o.id);
    }
    const rev = main.querySelector("[data-revoke-open]");
    if (rev) { rev.disabled = d; rev.title = d ? "Save or undo your changes first" : "Revoke this licence, for good"; }
  }

  // ---- versions ----

  async function loadVersions() {
    const o = st.open;
    versions.replaceChildren();
    if (!o || !o.stored) { versions.append(el("li", { class: "muted small", text: "Not saved yet." })); return; }
    const out = await api("GET", "/" + o.kind + "s/" + encodeURIComponent(o.id) + "/versions");
    if (st.open !== o) return;
    for (const v of out.versions) {
      const what = o.kind === "persona" ? (v.name || "") + (v.synthetic ? " · synthetic" : v.likeness ? " · likeness" : "")
        : (v.revoked_at ? "revoked" : (v.covers || []).join(", "));
      versions.append(el("li", { "data-version": v.version },
        el("span", { class: "v", text: "v" + v.version }),
        el("span", { class: "muted small", text: utc(v.updated) }),
        el("span", { class: "small", text: what }),
        el("span", { class: "spacer" }),
        el("button", { type: "button", class: "quiet", text: "Load", title: "Load version " + v.version + " into the form; saving stores it as the newest",
          "aria-label": "Load version " + v.version + " into the form", onclick: () => loadVersion(v) })));
    }
  }

  function loadVersion(v) {
    const o = st.open;
    if (!o || !confirmDiscard()) return;
    o.fill(v);
    markDirty();
    toast("Loaded version " + v.version + " into the form; saving stores it as a new version.");
  }

  // ---- problems next to their fields ----

  // showProblems puts each problem of the API's list beside the field it
  // names (or its nearest named parent: disclosure.en, else disclosure),
  // and lists those of no field shown in the result box.
  function showProblems(form, problems) {
    clearProblems(form);
    const loose = [];
    let first = null;
    for (const p of problems) {
      let name = p.field || "";
      // The look's one problem names its part in the message.
      const m = name === "look" && /^look: (face|hair|hair_color|skin|outfit|accent|image) /.exec(p.message || "");
      if (m) name = "look." + m[1];
      const box = boxFor(form, name);
      if (!box) { loose.push(p); continue; }
      const msg = el("p", { class: "field-problem", id: nextID("p"), "data-code": p.code }, el("code", { text: p.code }), " ", p.message);
      box.append(msg);
      box.classList.add("invalid");
      const ctl = controlOf(box);
      if (ctl) {
        ctl.setAttribute("aria-invalid", "true");
        ctl.setAttribute("aria-describedby", ((ctl.getAttribute("aria-describedby") || "") + " " + msg.id).trim());
        if (!first) first = ctl;
      }
    }
    return { loose, first };
  }

  // boxFor returns the box of field name in form, or of its nearest named
  // parent (disclosure.en, else disclosure), or null.
  function boxFor(form, name) {
    for (let n = name; n; n = n.includes(".") ? n.slice(0, n.lastIndexOf(".")) : "") {
      const box = form.querySelector('[data-field="' + CSS.escape(n) + '"]');
      if (box) return box;
    }
    return null;
  }

  // controlOf is the control a field's box is about: a text over a
  // language tag, else the first control.
  function controlOf(box) {
    return box.querySelector(":scope > textarea") || box.querySelector("input:not([type=hidden]):not([type=color]), select, textarea");
  }

  function clearProblems(form) {
    for (const p of form.querySelectorAll(".field-problem")) {
      const ctl = p.parentElement.querySelector("[aria-invalid]");
      if (ctl) {
        ctl.removeAttribute("aria-invalid");
        const rest = (ctl.getAttribute("aria-describedby") || "").split(" ").filter((x) => x && x !== p.id).join(" ");
        if (rest) ctl.setAttribute("aria-describedby", rest); else ctl.removeAttribute("aria-describedby");
      }
      p.parentElement.classList.remove("invalid");
      p.remove();
    }
  }

  function result(box, ok, title, ...more) {
    box.hidden = false;
    box.classList.remove("warn");
    box.classList.toggle("ok", ok);
    box.classList.toggle("bad", !ok);
    box.setAttribute("role", ok ? "status" : "alert");
    box.replaceChildren(el("strong", { text: title }), ...more.filter((x) => x !== null && x !== undefined));
  }

  function problemList(problems, form) {
    return el("ul", {}, ...problems.map((p) => el("li", { "data-field": p.field || "" },
      p.field ? el("span", { class: "pos", text: p.field + ": " }) : null, el("code", { text: p.code }), " ", p.message,
      form && p.field && boxFor(form, p.field) ? [" ", el("button", { type: "button", class: "quiet small", text: "Go to field",
        onclick: () => { const c = controlOf(boxFor(form, p.field)); if (c) c.focus(); } })] : null)));
  }

  // saveOpen PUTs the open form: on 422 the problems go beside their
  // fields, nothing typed is lost.
  let saving = false;
  async function saveOpen(extra) {
    const o = st.open;
    if (!o || !o.read || saving) return null;
    const form = main.querySelector("form.pr-form");
    const box = main.querySelector(".pr-result");
    const id = o.stored ? o.id : form.elements.id.value.trim();
    clearProblems(form);
    if (!ID_RE.test(id)) {
      const { first } = showProblems(form, [{ field: "id", code: "bad-id", message: "an id is 1-64 of A-Z a-z 0-9 _ -" }]);
      result(box, false, "Not saved: the id is not valid.");
      if (first) first.focus();
      return null;
    }
    const sent = JSON.stringify(o.read());
    const body = Object.assign(JSON.parse(sent), extra || {});
    saving = true;
    const btn = main.querySelector("[data-save]");
    if (btn) btn.disabled = true;
    try {
      const out = await api("PUT", "/" + o.kind + "s/" + encodeURIComponent(id), body);
      if (st.open !== o) return out;
      const was = o.version;
      sessionStorage.removeItem(DRAFT + o.kind + "." + id);
      const msg = out.version === was ? "Nothing changed: version " + out.version + " is the same." : "Saved as version " + out.version + ".";
      await load();
      if (st.open !== o) return out;
      // What was typed while the save was on its way stays in the form,
      // unsaved.
      const typed = JSON.stringify(o.read()) !== sent ? o.read() : null;
      if (!o.stored) {
        // A new record is drawn again as stored: its title, Delete, Revoke.
        show(o.kind, id, out, true);
        if (typed) { st.open.saved = sent; st.open.fill(typed); }
        const nb = main.querySelector(".pr-result");
        result(nb, true, msg);
        nb.dataset.version = out.version;
      } else {
        o.version = out.version; o.record = out;
        if (typed) o.saved = sent;
        else { o.fill(out); o.saved = JSON.stringify(o.read()); }
        result(box, true, msg);
        box.dataset.version = out.version;
        await loadVersions();
      }
      if (!extra) toast(o.kind[0].toUpperCase() + o.kind.slice(1) + " " + id + ": " + msg.toLowerCase()); // a revocation says more itself
      return out;
    } catch (e) {
      if (isStale(e)) return null;
      const { first } = showProblems(form, e.problems || []);
      const n = (e.problems || []).length;
      result(box, false, e.status === 422 ? "Not saved (" + n + " problem" + (n === 1 ? "" : "s") + ", shown by their fields): " + e.message
        : "Not saved: " + e.message, n ? problemList(e.problems, form) : null, el("p", { class: "small", text: "What you typed is still here." }));
      if (first) first.focus(); else box.focus();
      return null;
    } finally {
      saving = false;
      if (btn) btn.disabled = false;
      markDirty();
    }
  }

  // head draws the form's title row: title, state, Save, and extra buttons.
  function head(title, ...buttons) {
    return el("div", { class: "editor-head pr-head" },
      el("h2", { tabindex: -1, text: title }),
      el("span", { class: "muted pr-state" }),
      el("span", { class: "spacer" }),
      el("button", { type: "submit", "data-save": "", title: "Ctrl+S / ⌘S", text: "Save" }),
      ...buttons);
  }

  // ---- persona form ----

  function langRows(name, legend, hint, map) {
    const rows = el("div", { class: "lang-rows" });
    const fs = el("fieldset", { class: "pf-group", "data-field": name },
      el("legend", {}, legend), el("p", { class: "hint", text: hint }), rows);
    const addRow = (lang, text) => {
      const l = input({ class: "lang", value: lang, maxlength: 35, placeholder: "zh-CN", "aria-label": legend + ": language" });
      const t = el("textarea", { rows: 2, maxlength: 300, required: true, "aria-required": "true", "aria-label": legend + ": text" });
      t.value = text;
      const row = el("div", { class: "lang-row pf", "data-field": name + "." + lang }, l, t,
        el("button", { type: "button", class: "quiet small", text: "Remove", "aria-label": "Remove this language of " + legend.toLowerCase(),
          onclick: () => { row.remove(); sync(); changed(); } }));
      l.addEventListener("input", () => { row.dataset.field = name + "." + l.value.trim(); l.setAttribute("aria-label", legend + ": language"); t.setAttribute("aria-label", legend + " in " + (l.value.trim() || "?")); });
      t.setAttribute("aria-label", legend + " in " + (lang || "?"));
      rows.append(row);
      sync();
      return row;
    };
    // The last row stays: a disclosure is never empty.
    const sync = () => {
      const rs = rows.querySelectorAll(".lang-row");
      for (const r of rs) r.querySelector("button").disabled = rs.length === 1;
    };
    const read = () => {
      const out = {};
      for (const r of rows.querySelectorAll(".lang-row")) {
        const [l, t] = r.querySelectorAll("input, textarea");
        if (l.value.trim() || t.value.trim()) out[l.value.trim()] = t.value;
      }
      return out;
    };
    const fill = (m) => {
      rows.replaceChildren();
      const es = Object.entries(m || {});
      if (!es.length) es.push(["en", ""]);
      for (const [l, t] of es) addRow(l, t);
    };
    fs.append(el("div", { class: "row" }, el("button", { type: "button", class: "quiet small", text: "Add a language", onclick: () => { addRow("", "").querySelector("input").focus(); changed(); } })));
    fill(map);
    return { fs, read, fill };
  }

  let changed = () => {};

  function personaForm(rec) {
    const o = st.open;
    const p = rec || {};
    const form = el("form", { class: "pr-form", novalidate: true, "aria-label": "Persona" });
    const idIn = input({ name: "id", required: true, pattern: "[A-Za-z0-9_\\-]{1,64}", placeholder: "mei", value: o.id || "" });
    if (o.stored) idIn.readOnly = true;
    const name = input({ name: "name", required: true, maxlength: 100, spellcheck: "true" });

    const kindSyn = input({ type: "radio", name: "kind", value: "synthetic", id: nextID("k") });
    const kindLike = input({ type: "radio", name: "kind", value: "likeness", id: nextID("k") });
    const person = input({ name: "person", maxlength: 200, spellcheck: "true", placeholder: "Wang Jun" });
    const face = input({ type: "checkbox", name: "lk-face", id: nextID("c") });
    const voiceLk = input({ type: "checkbox", name: "lk-voice", id: nextID("c") });
    const licSel = el("select", { name: "licence_id" });
    const licHint = el("p", { class: "hint", id: nextID("h"), "aria-live": "polite" });
    licSel.setAttribute("aria-describedby", licHint.id);
    const likeness = el("fieldset", { class: "pf-group likeness", "data-field": "likeness" },
      el("legend", { text: "Likeness of a real person" }),
      field("likeness.person", "Person (whose face or voice)", person),
      el("div", { class: "pf checks", "data-field": "likeness.use" },
        el("span", { class: "label", text: "Uses their" }),
        el("label", { for: face.id }, face, " face"), el("label", { for: voiceLk.id }, voiceLk, " voice")),
      el("div", { class: "pf", "data-field": "likeness.licence_id" }, el("label", { for: (licSel.id = nextID("f")), text: "Licence (one of yours, for that person)" }), licSel, licHint));

    const disc = langRows("disclosure", "AI disclosure — required, never empty",
      "The label every viewer always sees: this presenter is AI-generated. At least one language; it cannot be removed or left empty.", p.disclosure);
    const spoken = langRows("spoken_disclosure", "Spoken disclosure — required",
      "The line the presenter opens every show with, per language.", p.spoken_disclosure);
    spoken.fs.querySelector(".row").append(el("button", { type: "button", class: "quiet small", text: "Copy from the label",
      onclick: () => { spoken.fill(disc.read()); changed(); } }));
    const discEmpty = el("p", { class: "field-problem local", role: "alert", hidden: true, text: "A persona always carries its AI disclosure: write it in at least one language." });
    disc.fs.append(discEmpty);

    const lookFace = el("select", { name: "face" }, el("option", { value: "", text: "default (oval)" }), ...FACES.map((f) => el("option", { value: f, text: f })));
    const lookHair = el("select", { name: "hair" }, el("option", { value: "", text: "default (bob)" }), ...HAIRS.map((h) => el("option", { value: h, text: h })));
    const colours = {};
    const colourFields = COLOURS.map(([k, label]) => {
      const text = input({ name: k, placeholder: "default", maxlength: 7, class: "hex", pattern: "#[0-9a-fA-F]{6}" });
      const pick = input({ type: "color", "aria-label": label + " picker", tabindex: -1 });
      pick.addEventListener("input", () => { text.value = pick.value; changed(); });
      text.addEventListener("input", () => { pick.value = /^#[0-9a-f]{6}$/i.test(text.value) ? text.value.toLowerCase() : DEFAULT_COLOURS[k]; });
      colours[k] = { text, pick };
      const f = field("look." + k, label, text);
      f.classList.add("colour");
      f.append(pick);
      return f;
    });
    const image = input({ name: "image", maxlength: 200, placeholder: "/assets/img/mei.png" });
    const stage = el("div", { class: "pr-avatar avatar", id: "pr-avatar", "aria-hidden": "true" });
    const stageNote = el("p", { class: "muted small", id: "pr-avatar-note" });
    const look = el("fieldset", { class: "pf-group look", "data-field": "look" },
      el("legend", { text: "Look" }),
      el("div", { class: "look-grid" },
        el("div", { class: "look-fields" },
          field("look.face", "Face", lookFace), field("look.hair", "Hair", lookHair), ...colourFields,
          field("look.image", "Picture instead of the drawn head (path under /assets/)", image)),
        el("figure", { class: "pr-preview" }, stage, el("figcaption", { class: "muted small" }, "Live preview, as the viewer pages draw it", stageNote))));

    const vid = input({ name: "voice_id", required: true, maxlength: 64, placeholder: "synthetic-zh-female-1" });
    const rate = input({ name: "rate", type: "number", min: 0.5, max: 2, step: 0.05, placeholder: "1", inputmode: "decimal" });
    const synth = input({ name: "synth_voice", maxlength: 64, placeholder: "en-gb-x-rp" });
    const pitch = input({ name: "pitch", type: "number", min: 0.5, max: 2, step: 0.05, placeholder: "1", inputmode: "decimal" });
    const voice = el("fieldset", { class: "pf-group voice", "data-field": "voice" }, el("legend", { text: "Voice" }),
      el("div", { class: "grid2" },
        field("voice.id", "Voice id (required)", vid),
        field("voice.synth_voice", "Synthesiser voice (optional)", synth, "A voice imitating a real person must be declared in the likeness (voice) and licensed for it."),
        field("voice.rate", "Rate, 0.5 to 2 (empty: 1, normal)", rate),
        field("voice.pitch", "Pitch, 0.5 to 2 (empty: 1, normal)", pitch)));

    const box = el("div", { class: "result pr-result", tabindex: -1, hidden: true });
    const del = el("button", { type: "button", class: "danger", "data-delete": "", text: "Delete", disabled: !o.stored, onclick: () => deleteOpen() });
    form.append(...[
      head(o.stored ? "Persona " + o.id : o.id ? "New persona (shadows " + o.id + ")" : "New persona", del),
      box,
      el("div", { class: "grid2" }, field("id", "Persona id", idIn, o.stored ? "" : "1-64 of A-Z a-z 0-9 _ -; the id scripts and rooms name."), field("name", "Shown name (required)", name)),
      el("fieldset", { class: "pf-group kind", "data-field": "synthetic" },
        el("legend", { text: "Who is it?" }),
        el("div", { class: "radio" }, kindSyn, el("label", { for: kindSyn.id, text: "Wholly synthetic: no real person's face or voice" })),
        el("div", { class: "radio" }, kindLike, el("label", { for: kindLike.id, text: "A real person's likeness (face and/or voice), under one of your licences" })),
        likeness),
      disc.fs, spoken.fs, look, voice,
      el("p", { class: "muted small", text: "Saved with PUT /api/v1/personas/{id}: every save is a version and an audit record." })].filter(Boolean));

    const fill = (v) => {
      idIn.value = o.stored ? o.id : (v.id || idIn.value);
      name.value = v.name || "";
      const lk = v.likeness;
      kindSyn.checked = !lk; kindLike.checked = !!lk;
      person.value = (lk && lk.person) || "";
      face.checked = !!(lk && lk.face); voiceLk.checked = !!(lk && lk.voice);
      o.licenceID = (lk && lk.licence_id) || "";
      renderLicenceChoice();
      disc.fill(v.disclosure); spoken.fill(v.spoken_disclosure);
      const lkv = v.look || {};
      lookFace.value = lkv.face || ""; lookHair.value = lkv.hair || "";
      for (const [k] of COLOURS) { colours[k].text.value = lkv[k] || ""; colours[k].pick.value = /^#[0-9a-f]{6}$/i.test(lkv[k] || "") ? lkv[k].toLowerCase() : DEFAULT_COLOURS[k]; }
      image.value = lkv.image || "";
      const vo = v.voice || {};
      vid.value = vo.id || ""; rate.value = vo.rate || ""; synth.value = vo.synth_voice || ""; pitch.value = vo.pitch || "";
      o.base = Object.assign({}, v);
      for (const k of ["merchant", "version", "updated", "stopped_rooms"]) delete o.base[k];
      likeness.hidden = !kindLike.checked;
      clearProblems(form);
      drawAvatar();
    };
    const num = (i) => (i.value.trim() === "" ? undefined : Number(i.value));
    const read = () => {
      const b = Object.assign({}, o.base || {});
      b.id = o.stored ? o.id : idIn.value.trim();
      b.name = name.value.trim();
      b.disclosure = disc.read();
      b.spoken_disclosure = spoken.read();
      const lk = {};
      if (lookFace.value) lk.face = lookFace.value;
      if (lookHair.value) lk.hair = lookHair.value;
      for (const [k] of COLOURS) if (colours[k].text.value.trim()) lk[k] = colours[k].text.value.trim();
      if (image.value.trim()) lk.image = image.value.trim();
      b.look = lk;
      const vo = { id: vid.value.trim() };
      if (num(rate) !== undefined) vo.rate = num(rate);
      if (synth.value.trim()) vo.synth_voice = synth.value.trim();
      if (num(pitch) !== undefined) vo.pitch = num(pitch);
      b.voice = vo;
      if (kindLike.checked) {
        delete b.synthetic;
        b.likeness = { person: person.value.trim(), face: face.checked, voice: voiceLk.checked };
        if (licSel.value) b.likeness.licence_id = licSel.value;
      } else {
        delete b.likeness;
        b.synthetic = true;
      }
      return b;
    };
    o.fill = fill; o.read = read;
    o.form = { licSel, licHint, person, face, voiceLk };

    changed = () => {
      likeness.hidden = !kindLike.checked;
      discEmpty.hidden = Object.values(disc.read()).some((t) => t.trim());
      markDirty();
    };
    form.addEventListener("input", (e) => {
      if (e.target === licSel || e.target.type === "radio") return;
      changed();
      if (e.target.closest(".look")) drawAvatar();
    });
    form.addEventListener("change", (e) => {
      if (e.target === licSel) {
        o.licenceID = licSel.value;
        const l = st.licences.find((x) => x.id === licSel.value);
        if (l && !person.value.trim()) person.value = l.person;
        if (l && !face.checked && !voiceLk.checked) { face.checked = (l.covers || []).includes("face"); voiceLk.checked = (l.covers || []).includes("voice"); }
        renderLicenceChoice();
      }
      changed();
      if (e.target.closest(".look")) drawAvatar();
    });
    form.addEventListener("submit", (e) => { e.preventDefault(); saveOpen(); });
    main.replaceChildren(form);
    fill(p);
    o.saved = JSON.stringify(read());
    changed();
  }

  // renderLicenceChoice fills the open persona's licence select with the
  // merchant's licences, each with its person, uses and standing.
  function renderLicenceChoice() {
    const o = st.open;
    if (!o || o.kind !== "persona" || !o.form) return;
    const { licSel, licHint } = o.form;
    const want = o.licenceID || "";
    licSel.replaceChildren(el("option", { value: "", text: st.licences.length ? "— choose one of your licences —" : "— you have no licences: record one first —" }),
      ...st.licences.map((l) => el("option", { value: l.id, text: l.id + " · " + l.person + " · " + (l.covers || []).join(", ") + " · " + licenceStatus(l).text })));
    if (want && !st.licences.some((l) => l.id === want)) licSel.append(el("option", { value: want, text: want + " · (not among your licences)" }));
    licSel.value = want;
    const l = st.licences.find((x) => x.id === want);
    const s = l && licenceStatus(l);
    licHint.className = "hint" + (s && s.cls !== "ok" ? " warn" : "");
    licHint.textContent = !want ? "Record licences under Licences, then choose one here." :
      !l ? "No such licence of yours: the API will refuse it." :
      s.cls !== "ok" ? "This licence is " + s.text + ": it covers nothing now, and rooms playing this persona cannot start." :
      "Covers " + (l.covers || []).join(", ") + (l.expires ? "; expires " + utc(l.expires) : "; no end date") + ".";
  }

  // ---- the avatar preview ----

  async function drawAvatar() {
    const o = st.open;
    const stage = main.querySelector("#pr-avatar");
    if (!o || o.kind !== "persona" || !stage) return;
    if (renderer === null) {
      try { renderer = await import(RENDERER); } catch { renderer = false; }
    }
    if (st.open !== o || !stage.isConnected) return;
    if (!renderer) { main.querySelector("#pr-avatar-note").textContent = " (the renderer could not be loaded)"; return; }
    destroyAvatar();
    avatar = renderer.createAvatar(stage, o.read().look);
  }

  function destroyAvatar() {
    if (avatar) avatar.destroy();
    avatar = null;
  }

  // ---- licence form ----

  function licenceForm(rec) {
    const o = st.open;
    const l = rec || {};
    const revoked = !!l.revoked_at;
    const form = el("form", { class: "pr-form", novalidate: true, "aria-label": "Licence" });
    const idIn = input({ name: "id", required: true, pattern: "[A-Za-z0-9_\\-]{1,64}", placeholder: "wang-2026", value: o.id || "" });
    if (o.stored) idIn.readOnly = true;
    const person = input({ name: "person", required: true, maxlength: 200, spellcheck: "true", placeholder: "Wang Jun" });
    const holder = input({ name: "holder", required: true, maxlength: 200, spellcheck: "true" });
    const consent = input({ name: "consent", required: true, maxlength: 200, placeholder: "CONSENT-2026-0042" });
    const uses = {};
    const covers = el("fieldset", { class: "pf-group checks", "data-field": "covers" },
      el("legend", { text: "Covers (at least face or voice)" }),
      ...USES.map((u) => {
        const c = input({ type: "checkbox", name: "use-" + u, id: nextID("u") });
        uses[u] = c;
        return el("label", { for: c.id, class: "check" }, c, " " + u);
      }),
      el("p", { class: "hint", text: "A livestream sale needs livestream and commercial; a kiosk, museum; and the face and/or voice the persona uses." }));
    const territory = input({ name: "territory", placeholder: "CN, HK", spellcheck: "false" });
    const from = input({ name: "valid_from", type: "datetime-local", step: 1 });
    const expires = input({ name: "expires", type: "datetime-local", step: 1 });
    const box = el("div", { class: "result pr-result", tabindex: -1, hidden: true });
    const revokeWhy = el("textarea", { rows: 2, maxlength: 200, id: nextID("f") });
    const revokePanel = el("div", { class: "revoke-panel", role: "group", "aria-labelledby": "pr-revoke-h", hidden: true },
      el("h3", { id: "pr-revoke-h", text: "Revoke licence " + (o.id || "") + "?" }),
      el("p", {}, el("strong", { text: "This is final: " }), "a revoked licence stays revoked (to license again, record a new licence under another id). Every room of yours it covered stops at once: its viewers are told the show ended."),
      el("div", { class: "pf", "data-field": "revoked_why" }, el("label", { for: revokeWhy.id, text: "Why (kept with the licence and in the audit trail)" }), revokeWhy),
      el("div", { class: "row" },
        el("button", { type: "button", class: "danger solid", "data-revoke": "", text: "Revoke for good", onclick: () => revoke(revokeWhy.value.trim()) }),
        el("button", { type: "button", class: "quiet", text: "Cancel", onclick: () => { revokePanel.hidden = true; main.querySelector("[data-revoke-open]").focus(); } })));
    const buttons = [];
    if (o.stored && !revoked) buttons.push(el("button", { type: "button", class: "danger", "data-revoke-open": "", text: "Revoke…",
      onclick: () => { revokePanel.hidden = false; revokeWhy.focus(); } }));
    buttons.push(el("button", { type: "button", class: "danger", "data-delete": "", text: "Delete", disabled: !o.stored, onclick: () => deleteOpen() }));
    const users = st.personas.filter((p) => p.likeness && p.likeness.licence_id === o.id);
    form.append(...[
      head(o.stored ? "Licence " + o.id : "New licence", ...buttons),
      revoked ? el("div", { class: "result bad revoked-banner", role: "note" },
        el("strong", { text: "Revoked " + utc(l.revoked_at) + "." }), " ", l.revoked_why ? "Why: “" + l.revoked_why + "”. " : "",
        "It covers nothing and stays revoked; record a new licence to use this likeness again.") : null,
      box, revokePanel,
      el("div", { class: "grid2" },
        field("id", "Licence id", idIn, o.stored ? "" : "1-64 of A-Z a-z 0-9 _ -"),
        field("person", "Person (whose face or voice; required)", person, "It covers every persona whose likeness names this person."),
        field("holder", "Rights holder who granted it (required)", holder),
        field("consent", "Consent reference (required)", consent, "The reference of the person's separate consent.")),
      covers,
      el("div", { class: "grid2" },
        field("valid_from", "Valid from (your time; empty: from the start)", from),
        field("expires", "Expires (your time, exclusive; empty: no end)", expires),
        field("territory", "Territory (ISO 3166 codes, comma separated; recorded, not enforced)", territory)),
      users.length ? el("p", { class: "muted small", text: "Named by your personas: " + users.map((p) => p.id).join(", ") + "." }) : null,
      el("p", { class: "muted small", text: "Saved with PUT /api/v1/licences/{id}: every save is a version and an audit record." })].filter(Boolean));

    const fill = (v) => {
      idIn.value = o.stored ? o.id : (v.id || idIn.value);
      person.value = v.person || ""; holder.value = v.holder || ""; consent.value = v.consent || "";
      for (const u of USES) uses[u].checked = (v.covers || []).includes(u);
      territory.value = (v.territory || []).join(", ");
      from.value = toLocal(v.valid_from); expires.value = toLocal(v.expires);
      clearProblems(form);
    };
    const read = () => {
      const b = { person: person.value.trim(), holder: holder.value.trim(), consent: consent.value.trim(),
        covers: USES.filter((u) => uses[u].checked),
        territory: territory.value.split(/[\s,;]+/).map((t) => t.trim().toUpperCase()).filter(Boolean) };
      if (from.value) b.valid_from = fromLocal(from.value);
      if (expires.value) b.expires = fromLocal(expires.value);
      // A revoked licence stays revoked: every save of it says so again.
      if (revoked) { b.revoked = true; if (l.revoked_why) b.revoked_why = l.revoked_why; }
      return b;
    };
    o.fill = fill; o.read = read; o.form = null;
    changed = markDirty;
    form.addEventListener("input", () => markDirty());
    form.addEventListener("change", () => markDirty());
    form.addEventListener("submit", (e) => { e.preventDefault(); saveOpen(); });
    main.replaceChildren(form);
    fill(l);
    o.saved = JSON.stringify(read());
  }

  // revoke revokes the open licence, for good: PUT with revoked. The answer
  // lists the rooms it stopped.
  async function revoke(why) {
    const o = st.open;
    if (!o || o.kind !== "licence" || dirty()) return;
    const extra = { revoked: true };
    if (why) extra.revoked_why = why;
    const out = await saveOpen(extra);
    if (!out || st.open !== o) return;
    // Redraw as revoked, then say what stopped.
    show("licence", o.id, out, true);
    const box = main.querySelector(".pr-result");
    result(box, true, "Licence " + o.id + " revoked. It stays revoked.", ...stoppedRooms(out.stopped_rooms, o.id));
    box.classList.toggle("warn", (out.stopped_rooms || []).length > 0); // rooms went off air: not just "saved"
    box.dataset.version = out.version;
    box.focus();
    if ((out.stopped_rooms || []).length) roomsChanged();
  }

  // stoppedRooms says which rooms a licence change stopped, each with a way
  // to open it, and which personas it leaves without a licence.
  function stoppedRooms(rooms, licence) {
    const out = [];
    if (rooms && rooms.length) {
      out.push(el("p", { class: "stopped-head" }, el("strong", { text: "Stopped " + rooms.length + " room" + (rooms.length === 1 ? "" : "s") + " it covered" }),
        " (their viewers were told the show ended; starting one again needs a valid licence):"));
      out.push(el("ul", { class: "stopped-rooms", "aria-label": "Rooms stopped" }, ...rooms.map((r) => el("li", { "data-stopped-room": r },
        el("code", { text: r }), " ", badge("stopped", "refused"), " ",
        el("button", { type: "button", class: "quiet small", text: "Open in Rooms", "aria-label": "Open room " + r + " in Rooms", onclick: () => openRoom(r) })))));
    } else {
      out.push(el("p", { text: "No room of yours was playing under it: nothing was stopped." }));
    }
    const users = st.personas.filter((p) => p.likeness && p.likeness.licence_id === licence);
    if (users.length) out.push(el("p", { class: "small", text: "Personas naming it, now flagged and unable to start a room: " + users.map((p) => p.id).join(", ") + "." }));
    return out;
  }

  // ---- delete ----

  async function deleteOpen() {
    const o = st.open;
    if (!o || !o.stored) return;
    const q = o.kind === "persona"
      ? "Delete persona " + o.id + "? Rooms playing it keep it until their next start or script assignment; then they take the personas file's of that id, if any. Its versions stay numbered on."
      : "Delete licence " + o.id + "? Every room of yours it covered stops at once.";
    if (!window.confirm(q)) return;
    let out;
    try {
      out = await api("DELETE", "/" + o.kind + "s/" + encodeURIComponent(o.id));
    } catch (e) {
      if (isStale(e)) return;
      result(main.querySelector(".pr-result"), false, "Not deleted: " + e.message);
      return;
    }
    sessionStorage.removeItem(DRAFT + o.kind + "." + o.id);
    st.open = null;
    emptyMain();
    const box = main.querySelector(".result");
    box.hidden = false;
    box.dataset.deleted = o.id;
    if (o.kind === "licence") {
      box.replaceChildren(el("strong", { text: "Deleted licence " + o.id + "." }), ...stoppedRooms(out && out.stopped_rooms, o.id));
      if (out && (out.stopped_rooms || []).length) { box.classList.add("warn"); roomsChanged(); }
    } else {
      box.replaceChildren(el("strong", { text: "Deleted persona " + o.id + "." }));
    }
    await load();
    toast("Deleted " + o.kind + " " + o.id + ".");
  }

  // ---- hooks for console.js ----

  return {
    // show loads the lists when the tab is chosen.
    show() { return load(); },
    // reset forgets everything of the merchant who signed out.
    reset() {
      seq++;
      st.personas = []; st.seed = []; st.licences = [];
      emptyMain();
      personaList.replaceChildren(); seedList.replaceChildren(); licenceList.replaceChildren();
    },
    dirty,
    confirmDiscard,
    // save saves the open form (Ctrl+S on this tab).
    save() { if (st.open) saveOpen(); },
  };
}
