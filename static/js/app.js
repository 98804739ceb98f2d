// DataOps page behaviour that htmx does not cover: shortcuts, dialogs, theme, menus.
// Every feature here is an enhancement: pages work as plain links and forms without it.
(function () {
  "use strict";

  const THEMES = ["auto", "light", "dark"];
  const root = document.documentElement;

  function isTyping(event) {
    const el = event.target;
    return el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName);
  }

  function openDialog(id) {
    const dialog = document.getElementById(id);
    if (dialog && !dialog.open) dialog.showModal();
    return dialog;
  }

  function closeMenus() {
    document.querySelectorAll("details.user-menu[open]").forEach((d) => d.removeAttribute("open"));
    document.querySelectorAll(".primary-nav.is-open").forEach((n) => n.classList.remove("is-open"));
    const suggestions = document.getElementById("search-suggestions");
    if (suggestions) suggestions.innerHTML = "";
  }

  function focusSearch() {
    const input = document.querySelector("[data-shortcut-search]");
    if (input) { input.focus(); input.select(); return true; }
    return false;
  }

  // --- theme ---------------------------------------------------------------------------
  function showTheme() {
    document.querySelectorAll("[data-theme-label]").forEach((el) => { el.textContent = root.dataset.theme; });
  }
  document.addEventListener("click", (event) => {
    const cycle = event.target.closest("[data-theme-cycle]");
    if (!cycle) return;
    const next = THEMES[(THEMES.indexOf(root.dataset.theme) + 1) % THEMES.length];
    root.dataset.theme = next;
    localStorage.setItem("dataops-theme", next);
    showTheme();
  });

  // --- dialogs, menus, dismissible messages ---------------------------------------------
  document.addEventListener("click", (event) => {
    const opener = event.target.closest("[data-open-dialog]");
    if (opener) { event.preventDefault(); closeMenus(); openDialog(opener.dataset.openDialog); return; }
    const closer = event.target.closest("[data-close-dialog]");
    if (closer) { closer.closest("dialog").close(); return; }
    const dismiss = event.target.closest("[data-dismiss]");
    if (dismiss) { dismiss.parentElement.remove(); return; }
    const toggle = event.target.closest("[data-nav-toggle]");
    if (toggle) {
      const nav = document.getElementById(toggle.getAttribute("aria-controls"));
      const open = nav.classList.toggle("is-open");
      toggle.setAttribute("aria-expanded", String(open));
      return;
    }
    if (!event.target.closest("details.user-menu")) {
      document.querySelectorAll("details.user-menu[open]").forEach((d) => d.removeAttribute("open"));
    }
    if (!event.target.closest(".topbar-search")) {
      const suggestions = document.getElementById("search-suggestions");
      if (suggestions) suggestions.innerHTML = "";
    }
  });
  // A click on the dialog backdrop closes it.
  document.addEventListener("click", (event) => {
    if (event.target.tagName === "DIALOG") event.target.close();
  });

  // Forms that ask before doing something destructive: data-confirm="Really?"
  document.addEventListener("submit", (event) => {
    const message = event.target.dataset.confirm;
    if (message && !window.confirm(message)) event.preventDefault();
  }, true);

  // --- keyboard shortcuts ------------------------------------------------------------------
  let pendingG = false;
  function navShortcuts() {
    const node = document.getElementById("nav-shortcuts");
    return node ? JSON.parse(node.textContent) : {};
  }
  document.addEventListener("keydown", (event) => {
    const mod = event.ctrlKey || event.metaKey;
    if (mod && event.key.toLowerCase() === "k") { if (focusSearch()) event.preventDefault(); return; }
    if (mod && event.key.toLowerCase() === "p") {
      const handled = !document.dispatchEvent(new CustomEvent("dataops:quickopen", { cancelable: true }));
      if (handled) event.preventDefault();
      return;
    }
    if (event.key === "Escape") { closeMenus(); if (isTyping(event)) event.target.blur(); return; }
    if (isTyping(event) || mod || event.altKey) return;
    if (pendingG) {
      pendingG = false;
      const target = navShortcuts()[event.key];
      if (target) { event.preventDefault(); window.location.href = target; }
      return;
    }
    if (event.key === "?") { event.preventDefault(); openDialog("shortcuts-dialog"); return; }
    if (event.key === "/") { if (focusSearch()) event.preventDefault(); return; }
    if (event.key === "g") { pendingG = true; setTimeout(() => { pendingG = false; }, 1200); }
  });

  // --- htmx glue ---------------------------------------------------------------------------
  document.addEventListener("htmx:beforeRequest", () => document.body.classList.add("is-loading"));
  document.addEventListener("htmx:afterRequest", () => document.body.classList.remove("is-loading"));
  // A form marked data-reset-after-save empties itself once htmx has saved it (200), so the
  // next entry starts blank; a refused one (4xx) keeps what was typed.
  document.addEventListener("htmx:afterRequest", (event) => {
    const form = event.detail.elt;
    if (form instanceof HTMLFormElement && form.hasAttribute("data-reset-after-save")
        && event.detail.successful && event.detail.xhr.status === 200) form.reset();
  });
  // Show server-rendered error fragments (4xx with a body) instead of silently ignoring them.
  document.addEventListener("htmx:beforeSwap", (event) => {
    const status = event.detail.xhr.status;
    if (status === 422 || status === 409 || status === 400) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  document.addEventListener("htmx:responseError", (event) => {
    const box = document.getElementById("messages");
    if (!box) return;
    const div = document.createElement("div");
    div.className = "message message-error";
    div.setAttribute("role", "alert");
    div.textContent = "That did not work (" + event.detail.xhr.status + "). Reload the page and try again.";
    box.appendChild(div);
  });

  document.addEventListener("DOMContentLoaded", showTheme);
})();
