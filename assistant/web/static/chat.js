// The chat's behaviour in the page. Run by Gradio as the js_on_load of the #viewer-host
// component: `element` is that component's element (the overlays live in it) and
// `server.show_document({doc, start, end})` returns the viewer's HTML for an indexed document.
//
// - A citation [n] highlights its card in the sources panel, which scrolls on its own: the
//   page, and so the chat, never moves. On hover or focus it previews the quote. Where the
//   sources sit below the chat (phones), it opens the card in a sheet instead.
// - "Show in document" opens the whole document in a viewer, scrolled to the quote.
// - The sheet and the viewer are dialogs: focus moves into them, Tab stays inside, Escape or
//   Close shuts them, and focus returns to what opened them.
// - "Copy answer and sources" copies the message's plain text (its .copy-text element).
// - An example question is typed into the question box and sent.
// - "About this assistant" opens and closes the About panel; Escape closes it.
// - The saved conversations' sidebar is open beside the chat on wide screens and a drawer on
//   phones: closed at first, closed again once a conversation is chosen or on Escape; its
//   toggle says whether it is open.
const ui = (window.declarationChat = window.declarationChat || {});
ui.server = server;
ui.root = element.querySelector(".chat-ui-root") || element;
if (!ui.installed) {
  ui.installed = true;
  installChat(ui);
}

function installChat(ui) {
  const doc = document;
  const reduced = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  const stack = []; // open overlays, top last: {el, panel, returnTo, scrollY}
  let cardReturn = null; // the citation that highlighted the active card

  const byId = (id) => doc.getElementById(id);
  const sourcesPanel = () => doc.querySelector("#sources");

  // Wide layout: the sources panel sits beside the chat rather than below it.
  function wide() {
    const chat = byId("chat");
    const panel = sourcesPanel();
    if (!chat || !panel) return true;
    return panel.getBoundingClientRect().left >= chat.getBoundingClientRect().right - 1;
  }

  function cardFor(link) {
    const target = byId((link.getAttribute("href") || "").slice(1));
    return target ? target.closest(".src-card") : null;
  }

  function citedNumber(link) {
    const m = /-(\d+)$/.exec(link.getAttribute("href") || "");
    return m ? m[1] : "";
  }

  // --- citations -----------------------------------------------------------------------------
  function openCitation(link) {
    const card = cardFor(link);
    if (!card) return;
    hidePreview();
    if (wide()) highlight(card, link);
    else openSheet([card], link, "Source " + citedNumber(link));
  }

  function highlight(card, from) {
    doc.querySelectorAll(".src-card.active").forEach((c) => c.classList.remove("active"));
    card.classList.add("active");
    card.classList.toggle("from-cite", Boolean(from)); // its "Back" button first: then measure
    scrollPanelTo(card);
    cardReturn = from;
    card.focus({ preventScroll: true });
  }

  // Scroll the sources panel (only it) so that `el` is at its top.
  function scrollPanelTo(el) {
    const panel = sourcesPanel();
    if (!panel || !el) return;
    const top = el.getBoundingClientRect().top - panel.getBoundingClientRect().top;
    panel.scrollTo({ top: panel.scrollTop + top - 8, behavior: reduced ? "auto" : "smooth" });
  }

  // --- quote preview -------------------------------------------------------------------------
  let preview = null;
  function showPreview(link) {
    const card = cardFor(link);
    if (!card || !wide()) return;
    const n = citedNumber(link);
    const mark = card.querySelector(`mark[data-n="${n}"]`) || card.querySelector("mark");
    const title = card.querySelector(".src-title");
    if (!preview) {
      preview = doc.createElement("div");
      preview.id = "cite-preview";
      preview.className = "cite-preview";
      preview.setAttribute("role", "tooltip");
      ui.root.append(preview);
    }
    preview.replaceChildren();
    const head = doc.createElement("div");
    head.className = "cite-preview-title";
    head.textContent = title ? title.textContent.trim() : "";
    const quote = doc.createElement("div");
    quote.textContent = mark ? `“${mark.textContent.trim()}”` : "";
    preview.append(head, quote);
    preview.hidden = false;
    const r = link.getBoundingClientRect();
    const w = Math.min(360, window.innerWidth - 16);
    preview.style.width = w + "px";
    preview.style.left = Math.max(8, Math.min(r.left, window.innerWidth - w - 8)) + "px";
    const below = r.bottom + 6;
    const h = preview.offsetHeight;
    preview.style.top = (below + h > window.innerHeight ? r.top - h - 6 : below) + "px";
    link.setAttribute("aria-describedby", "cite-preview");
  }
  function hidePreview() {
    if (preview) preview.hidden = true;
  }

  // --- overlays: the sheet and the viewer ----------------------------------------------------
  function openOverlay(kind, title, from) {
    const el = doc.createElement("div");
    el.className = `overlay ${kind}`;
    const backdrop = doc.createElement("div");
    backdrop.className = "overlay-backdrop";
    backdrop.dataset.close = "";
    const panel = doc.createElement("div");
    panel.className = "overlay-panel";
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-modal", "true");
    panel.tabIndex = -1;
    const bar = doc.createElement("div");
    bar.className = "overlay-bar";
    const heading = doc.createElement("h2");
    heading.className = "overlay-title";
    heading.id = `overlay-title-${stack.length}`;
    heading.textContent = title;
    panel.setAttribute("aria-labelledby", heading.id);
    const close = doc.createElement("button");
    close.type = "button";
    close.className = "overlay-close";
    close.dataset.close = "";
    close.textContent = "Close";
    bar.append(heading, close);
    const body = doc.createElement("div");
    body.className = "overlay-body";
    panel.append(bar, body);
    el.append(backdrop, panel);
    ui.root.append(el);
    stack.push({ el, panel, returnTo: from, scrollY: window.scrollY });
    doc.documentElement.classList.add("overlay-open");
    return { el, panel, body, heading };
  }

  function closeOverlay() {
    const top = stack.pop();
    if (!top) return;
    top.el.remove();
    if (!stack.length) doc.documentElement.classList.remove("overlay-open");
    if (Math.abs(window.scrollY - top.scrollY) > 1) window.scrollTo(0, top.scrollY);
    if (top.returnTo && top.returnTo.isConnected) top.returnTo.focus({ preventScroll: true });
  }

  function openSheet(cards, from, title) {
    const o = openOverlay("sheet", title, from);
    for (const card of cards) {
      const copy = card.cloneNode(true);
      copy.classList.remove("active", "from-cite");
      copy.removeAttribute("tabindex");
      copy.removeAttribute("aria-labelledby");
      copy.querySelectorAll("[id]").forEach((x) => x.removeAttribute("id"));
      copy.removeAttribute("id");
      o.body.append(copy);
    }
    o.panel.focus({ preventScroll: true });
  }

  function openGroup(link) {
    const group = byId((link.getAttribute("href") || "").slice(1));
    if (!group) return;
    const cards = [...group.querySelectorAll(".src-card")];
    if (wide()) {
      if (cards.length) highlight(cards[0], link);
      return;
    }
    const n = cards.length;
    openSheet(cards, link, n === 1 ? "Source of this answer" : `The ${n} sources of this answer`);
  }

  // A refusal's passage names its document and span in its link: #open-doc?doc=..&start=..
  function linkSpec(link) {
    const query = (link.getAttribute("href") || "").split("?")[1] || "";
    const p = new URLSearchParams(query);
    return { doc: p.get("doc") || "", start: p.get("start"), end: p.get("end") };
  }

  async function openViewer(button) {
    const o = openOverlay("viewer", "Opening the document…", button);
    o.body.innerHTML = '<p class="viewer-loading" role="status">Opening the document…</p>';
    o.panel.focus({ preventScroll: true });
    let html;
    try {
      const { doc: id, start, end } = button.dataset.doc ? button.dataset : linkSpec(button);
      html = await ui.server.show_document({ doc: id, start: Number(start), end: Number(end) });
    } catch (err) {
      html = "";
    }
    if (!o.el.isConnected) return;
    if (typeof html !== "string" || !html) {
      o.heading.textContent = "Document not available";
      o.body.innerHTML = '<p class="viewer-note">The document could not be opened. Try again.</p>';
      return;
    }
    o.body.innerHTML = html;
    const title = o.body.querySelector("#viewer-title");
    if (title) {
      o.heading.textContent = title.textContent;
      title.remove();
    }
    const text = o.body.querySelector(".viewer-text");
    const mark = o.body.querySelector("#viewer-quote");
    if (text && mark) {
      const offset = mark.getBoundingClientRect().top - text.getBoundingClientRect().top;
      text.scrollTop += offset - text.clientHeight / 3;
    }
    (text || o.panel).focus({ preventScroll: true });
  }

  // Tab stays inside the top overlay.
  function trapTab(e) {
    const top = stack[stack.length - 1];
    if (!top) return;
    const focusable = [
      ...top.panel.querySelectorAll("a[href], button, textarea, input, [tabindex='0']"),
    ].filter((x) => !x.disabled && x.offsetParent !== null);
    if (!focusable.length) return;
    const first = focusable[0];
    const last = focusable[focusable.length - 1];
    if (!top.panel.contains(doc.activeElement)) {
      e.preventDefault();
      first.focus();
    } else if (e.shiftKey && (doc.activeElement === first || doc.activeElement === top.panel)) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && doc.activeElement === last) {
      e.preventDefault();
      first.focus();
    }
  }

  // --- copy ----------------------------------------------------------------------------------
  async function copyAnswer(button) {
    const tools = button.closest(".msg-tools");
    let source = tools ? tools.nextElementSibling : null;
    while (source && !source.classList.contains("copy-text")) source = source.nextElementSibling;
    const text = source ? source.textContent : "";
    let ok = false;
    try {
      await navigator.clipboard.writeText(text);
      ok = true;
    } catch (err) {
      ok = legacyCopy(text);
    }
    const label = button.dataset.label || button.textContent;
    button.dataset.label = label;
    button.textContent = ok ? "Copied" : "Copy failed";
    announce(ok ? "The answer and its sources were copied as text." : "Copying failed.");
    setTimeout(() => (button.textContent = label), 2000);
  }

  function legacyCopy(text) {
    const area = doc.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "sr-only";
    ui.root.append(area);
    area.select();
    let ok = false;
    try {
      ok = doc.execCommand("copy");
    } catch (err) {
      ok = false;
    }
    area.remove();
    return ok;
  }

  let live = null;
  function announce(message) {
    if (!live) {
      live = doc.createElement("div");
      live.className = "sr-only";
      live.setAttribute("role", "status");
      ui.root.append(live);
    }
    live.textContent = "";
    setTimeout(() => (live.textContent = message), 50);
  }

  // --- example questions and the About panel -------------------------------------------------
  function askExample(text) {
    const box = doc.querySelector("#question textarea");
    if (!box) return;
    box.value = text;
    box.dispatchEvent(new Event("input", { bubbles: true }));
    setTimeout(() => {
      box.focus({ preventScroll: true });
      box.dispatchEvent(
        new KeyboardEvent("keypress", { key: "Enter", code: "Enter", bubbles: true }),
      );
      box.dispatchEvent(
        new KeyboardEvent("keydown", { key: "Enter", code: "Enter", bubbles: true }),
      );
    }, 0);
  }

  function prepareAbout() {
    const button = byId("about-toggle");
    const panel = byId("about");
    if (!button || !panel) return null;
    button.setAttribute("aria-controls", "about");
    button.setAttribute("aria-expanded", String(!panel.classList.contains("about-closed")));
    return { button, panel };
  }

  function toggleAbout() {
    const about = prepareAbout();
    if (!about) return;
    const open = about.panel.classList.toggle("about-closed") === false;
    about.button.setAttribute("aria-expanded", String(open));
  }

  function closeAbout() {
    const about = prepareAbout();
    if (!about || about.panel.classList.contains("about-closed")) return false;
    toggleAbout();
    about.button.focus({ preventScroll: true });
    return true;
  }

  // --- the saved conversations' drawer ---------------------------------------------------------
  const narrow = () => window.innerWidth < 720;
  let drawerSeen = false;
  function drawer() {
    const bar = byId("saved-sidebar");
    const toggle = bar ? bar.querySelector(".toggle-button") : null;
    if (!bar || !toggle) return null;
    const expanded = () => toggle.setAttribute("aria-expanded", String(bar.classList.contains("open")));
    if (!bar.dataset.watched) {
      bar.dataset.watched = "1";
      toggle.setAttribute("aria-controls", "saved-sidebar");
      toggle.setAttribute("aria-label", "Saved conversations"); // Gradio's: "Toggle Sidebar"
      // it scrolls when the list is long: a region the keyboard can reach and scroll
      const content = bar.querySelector(".sidebar-content");
      if (content) {
        content.setAttribute("tabindex", "0");
        content.setAttribute("role", "region");
        content.setAttribute("aria-labelledby", "saved-heading");
      }
      new MutationObserver(expanded).observe(bar, { attributes: true, attributeFilter: ["class"] });
    }
    expanded();
    return { bar, toggle };
  }

  // Laid out closed (the server cannot tell a phone): opened once where there is room beside
  // the chat, as soon as the sidebar is in the page and takes clicks.
  let tries = 0;
  const opener = setInterval(() => {
    const d = drawer();
    tries += 1;
    if (drawerSeen || tries > 100 || narrow()) return clearInterval(opener);
    if (!d) return;
    if (d.bar.classList.contains("open")) {
      drawerSeen = true;
      return clearInterval(opener);
    }
    d.toggle.click();
  }, 200);

  function closeDrawer() {
    const d = drawer();
    if (!d || !d.bar.classList.contains("open")) return false;
    d.toggle.click();
    d.toggle.focus({ preventScroll: true });
    return true;
  }

  // --- each chat message's accessible name: its words, not Gradio's copy of its HTML ---------
  function plainLabels() {
    doc.querySelectorAll("#chat [aria-label*='<']").forEach((el) => {
      const asked = /^user/i.test(el.getAttribute("aria-label") || "");
      const words = (el.querySelector(".question, .answer, .refusal") || el).textContent;
      const text = (words || "").replace(/\s+/g, " ").trim();
      const clipped = text.length > 160 ? text.slice(0, 159) + "…" : text;
      el.setAttribute("aria-label", (asked ? "Your question: " : "Answer: ") + clipped);
    });
  }

  // --- the latest answer's sources come into view in the panel (wide layout) -----------------
  let groups = 0;
  function followSources() {
    drawer();
    plainLabels();
    const panel = sourcesPanel();
    if (!panel) return;
    prepareAbout();
    const count = panel.querySelectorAll(".src-group").length;
    if (count !== groups) {
      groups = count;
      const latest = panel.querySelector(".src-group.latest");
      if (latest && wide()) scrollPanelTo(latest);
    }
  }
  new MutationObserver(followSources).observe(doc.body, { childList: true, subtree: true });

  // --- events --------------------------------------------------------------------------------
  doc.addEventListener(
    "click",
    (e) => {
      const t = e.target instanceof Element ? e.target : null;
      if (!t) return;
      const cite = t.closest("a.cite");
      if (cite) {
        e.preventDefault();
        openCitation(cite);
        return;
      }
      const cue = t.closest("a.sources-cue");
      if (cue) {
        e.preventDefault();
        openGroup(cue);
        return;
      }
      if (t.closest("[data-close]")) return closeOverlay();
      const copy = t.closest("button.copy-answer");
      if (copy) return void copyAnswer(copy);
      const passage = t.closest("a.closest-open");
      if (passage) {
        e.preventDefault();
        return void openViewer(passage);
      }
      const open = t.closest("button.src-open");
      if (open) return void openViewer(open);
      if (t.closest("button.src-back") && cardReturn && cardReturn.isConnected) {
        cardReturn.focus({ preventScroll: true });
        return;
      }
      const example = t.closest("#chat button.example");
      if (example) return askExample(example.textContent.trim());
      if (t.closest("#about-toggle")) toggleAbout();
      if (t.closest("#saved-list label") && narrow()) setTimeout(closeDrawer, 0);
    },
    true,
  );

  doc.addEventListener("keydown", (e) => {
    if (e.key === "Tab" && stack.length) return trapTab(e);
    if (e.key !== "Escape") return;
    hidePreview();
    if (stack.length) {
      e.preventDefault();
      closeOverlay();
      return;
    }
    const card = e.target instanceof Element ? e.target.closest(".src-card.active") : null;
    if (card && cardReturn && cardReturn.isConnected) {
      cardReturn.focus({ preventScroll: true });
      return;
    }
    if (closeAbout()) return;
    if (narrow()) closeDrawer();
  });

  for (const [type, show] of [
    ["mouseover", true],
    ["focusin", true],
    ["mouseout", false],
    ["focusout", false],
  ]) {
    doc.addEventListener(type, (e) => {
      const link = e.target instanceof Element ? e.target.closest("a.cite") : null;
      if (!link) return;
      if (show) showPreview(link);
      else hidePreview();
    });
  }

  prepareAbout();
}
