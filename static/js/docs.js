// Docs behaviour on every page: the quick-open palette (Ctrl/Cmd+P), keyboard moves in the
// top bar's search suggestions, and the screenshot lightbox on doc pages.
// Enhancements only: without JS, screenshots open as images and search is a plain form.
(function () {
  "use strict";

  const script = document.currentScript;
  const QUICKOPEN_URL = script ? script.dataset.quickopenUrl : "";

  // --- quick-open palette -------------------------------------------------------------------
  let palette = null;
  let requestSeq = 0;
  let debounce = null;

  function buildPalette() {
    const dialog = document.createElement("dialog");
    dialog.id = "quickopen";
    dialog.className = "dialog quickopen";
    dialog.setAttribute("aria-label", "Quick open a doc");
    dialog.innerHTML =
      '<div class="quickopen-box">' +
      '<input class="quickopen-input" type="search" autocomplete="off" spellcheck="false"' +
      ' placeholder="Open a doc by title or path…" role="combobox" aria-expanded="true"' +
      ' aria-controls="quickopen-results" aria-autocomplete="list">' +
      '<ul id="quickopen-results" class="quickopen-list" role="listbox" aria-label="Matching docs"></ul>' +
      '<p class="quickopen-hint"><kbd>↑</kbd><kbd>↓</kbd> move · <kbd>Enter</kbd> open · <kbd>Esc</kbd> close</p>' +
      "</div>";
    document.body.appendChild(dialog);
    const input = dialog.querySelector("input");
    input.addEventListener("input", () => {
      clearTimeout(debounce);
      debounce = setTimeout(() => load(input.value), 120);
    });
    input.addEventListener("keydown", onPaletteKey);
    dialog.addEventListener("click", (event) => {
      if (event.target === dialog) dialog.close();
    });
    return dialog;
  }

  function items() {
    return Array.from(palette.querySelectorAll(".quickopen-item"));
  }

  function select(index) {
    const all = items();
    if (!all.length) return;
    const next = (index + all.length) % all.length;
    all.forEach((el, i) => el.setAttribute("aria-selected", String(i === next)));
    const input = palette.querySelector("input");
    input.setAttribute("aria-activedescendant", all[next].id);
    all[next].scrollIntoView({ block: "nearest" });
  }

  function selectedIndex() {
    return items().findIndex((el) => el.getAttribute("aria-selected") === "true");
  }

  function onPaletteKey(event) {
    if (event.key === "ArrowDown") { event.preventDefault(); select(selectedIndex() + 1); }
    else if (event.key === "ArrowUp") { event.preventDefault(); select(selectedIndex() - 1); }
    // One Escape closes the palette (in a search field Chromium's first one only clears it).
    else if (event.key === "Escape") { event.preventDefault(); palette.close(); }
    else if (event.key === "Enter") {
      const chosen = items()[Math.max(selectedIndex(), 0)];
      if (chosen) { event.preventDefault(); window.location.href = chosen.dataset.url; }
    }
  }

  function render(results, query) {
    const list = palette.querySelector(".quickopen-list");
    list.replaceChildren();
    if (!results.length) {
      const empty = document.createElement("li");
      empty.className = "quickopen-empty";
      empty.textContent = query ? "No doc title or path contains “" + query + "”." : "No recently viewed docs yet.";
      list.appendChild(empty);
      return;
    }
    results.forEach((doc, i) => {
      const li = document.createElement("li");
      li.className = "quickopen-item";
      li.id = "quickopen-item-" + i;
      li.setAttribute("role", "option");
      li.dataset.url = doc.url;
      const title = document.createElement("span");
      title.className = "quickopen-title";
      title.textContent = doc.title;
      const path = document.createElement("span");
      path.className = "quickopen-path";
      path.textContent = doc.path;
      li.append(title, path);
      li.addEventListener("click", () => { window.location.href = doc.url; });
      li.addEventListener("mousemove", () => select(i));
      list.appendChild(li);
    });
    select(0);
  }

  function load(query) {
    const seq = ++requestSeq;
    fetch(QUICKOPEN_URL + "?q=" + encodeURIComponent(query.trim()), {
      headers: { Accept: "application/json" }, credentials: "same-origin",
    })
      .then((response) => (response.ok ? response.json() : { results: [] }))
      .then((data) => { if (seq === requestSeq) render(data.results || [], query.trim()); })
      .catch(() => { if (seq === requestSeq) render([], query.trim()); });
  }

  function openPalette() {
    palette = palette || buildPalette();
    const input = palette.querySelector("input");
    if (!palette.open) palette.showModal();
    input.value = "";
    load("");
    input.focus();
  }

  if (QUICKOPEN_URL) {
    document.addEventListener("dataops:quickopen", (event) => {
      event.preventDefault();
      openPalette();
    });
    document.addEventListener("click", (event) => {
      if (event.target.closest("[data-quickopen-open]")) { event.preventDefault(); openPalette(); }
    });
  }

  // --- top bar suggestions: arrow keys move between them ---------------------------------------
  document.addEventListener("keydown", (event) => {
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
    const box = document.getElementById("search-suggestions");
    if (!box || !box.children.length) return;
    const links = Array.from(box.querySelectorAll("[data-suggestion]"));
    if (!links.length) return;
    const input = document.getElementById("topbar-search-input");
    const index = links.indexOf(document.activeElement);
    if (event.target === input && event.key === "ArrowDown") {
      event.preventDefault(); links[0].focus();
    } else if (index >= 0) {
      event.preventDefault();
      const next = index + (event.key === "ArrowDown" ? 1 : -1);
      if (next < 0) input.focus(); else links[Math.min(next, links.length - 1)].focus();
    }
  });

  // --- side panels (filters, folders): closed on phones, kept as the user left them -----------
  const PHONE = window.matchMedia("(max-width: 900px)");
  let panelState = null;

  function panelKey(panel) {
    const heading = panel.querySelector("summary h2");
    return heading ? heading.textContent.trim().split(/\s/)[0] : "";
  }

  document.addEventListener("DOMContentLoaded", () => {
    if (PHONE.matches) {
      document.querySelectorAll("details[data-collapse-on-phone]").forEach((d) => { d.open = false; });
    }
  });
  document.addEventListener("htmx:beforeSwap", () => {
    panelState = {};
    document.querySelectorAll("details[data-collapse-on-phone]").forEach((d) => {
      panelState[panelKey(d)] = d.open;
    });
  });
  document.addEventListener("htmx:afterSwap", () => {
    if (!panelState) return;
    document.querySelectorAll("details[data-collapse-on-phone]").forEach((d) => {
      const key = panelKey(d);
      if (key in panelState) d.open = panelState[key];
    });
    panelState = null;
  });

  // --- screenshot lightbox -------------------------------------------------------------------
  let shown = -1;

  function shots() {
    return Array.from(document.querySelectorAll("a[data-lightbox]"));
  }

  function show(index) {
    const dialog = document.getElementById("doc-lightbox");
    const all = shots();
    if (!dialog || !all.length) return;
    shown = (index + all.length) % all.length;
    const link = all[shown];
    const image = link.querySelector("img");
    const figure = link.closest("figure");
    const caption = figure && figure.querySelector("figcaption");
    const big = dialog.querySelector(".lightbox-body img");
    big.src = link.getAttribute("href");
    big.alt = image ? image.alt : "";
    dialog.querySelector(".lightbox-caption").textContent =
      (caption && caption.textContent.trim()) || (image && image.alt) || "Screenshot";
    dialog.querySelectorAll("[data-lightbox-step]").forEach((b) => { b.hidden = all.length < 2; });
    const count = dialog.querySelector(".lightbox-count");
    if (count) count.textContent = all.length > 1 ? (shown + 1) + " / " + all.length : "";
    if (!dialog.open) dialog.showModal();
  }

  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-lightbox]");
    if (link && document.getElementById("doc-lightbox")) {
      event.preventDefault();
      show(shots().indexOf(link));
      return;
    }
    const step = event.target.closest("[data-lightbox-step]");
    if (step) show(shown + Number(step.dataset.lightboxStep));
  });

  document.addEventListener("keydown", (event) => {
    const dialog = document.getElementById("doc-lightbox");
    if (!dialog || !dialog.open) return;
    if (event.key === "ArrowRight") { event.preventDefault(); show(shown + 1); }
    if (event.key === "ArrowLeft") { event.preventDefault(); show(shown - 1); }
  });
})();
