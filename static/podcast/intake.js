// Intake inbox: keyboard triage. j/k move between items, a/c/i/d/p open the item's action
// form inside its row (htmx), Esc closes it, ? shows the keys. After htmx replaces a row,
// focus returns to it (or to its form's first field), so triage goes on from the keyboard.
(function () {
  "use strict";
  const ACTION_KEYS = ["a", "c", "i", "d", "p"];
  let currentId = null;

  function rows() { return Array.from(document.querySelectorAll("[data-intake-row]")); }

  function isTyping(target) {
    return target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
  }

  function focusRow(row) {
    if (!row) return;
    rows().forEach((r) => r.classList.toggle("is-current", r === row));
    currentId = row.id;
    const field = row.querySelector("[data-intake-form] select, [data-intake-form] input:not([type=hidden]), [data-intake-form] textarea");
    (field || row).focus();
    if (!field) row.scrollIntoView({ block: "nearest" });
  }

  // A key can arrive between htmx swapping a row in and processing it (the settle delay);
  // processing is idempotent, so make sure the control is wired before clicking it, or a
  // link would be followed as a plain page load instead of opening its form in the row.
  function press(control) {
    if (window.htmx) window.htmx.process(control.closest("[data-intake-row]") || control);
    control.click();
  }

  function current() {
    return (currentId && document.getElementById(currentId)) || null;
  }

  function move(step) {
    const all = rows();
    if (!all.length) return;
    const index = all.indexOf(current());
    const next = index < 0 ? 0 : Math.min(all.length - 1, Math.max(0, index + step));
    focusRow(all[next]);
  }

  document.addEventListener("keydown", (event) => {
    if (!document.querySelector("[data-intake-list]")) return;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    // Esc closes the form being typed in, or the current row's open form even before focus
    // has reached its first field (htmx focuses it only once the swap has settled).
    const inForm = event.target.closest && event.target.closest("[data-intake-form]");
    const form = inForm || (event.key === "Escape" && current() && current().querySelector("[data-intake-form]"));
    if (event.key === "Escape" && form) {
      const cancel = form.querySelector("[data-intake-cancel]");
      if (cancel) { event.preventDefault(); press(cancel); }
      return;
    }
    if (isTyping(event.target)) return;
    if (event.key === "?") {
      const dialog = document.getElementById("intake-keys-dialog");
      if (dialog && !dialog.open) { event.preventDefault(); event.stopImmediatePropagation(); dialog.showModal(); }
      return;
    }
    if (event.key === "j" || event.key === "k") { event.preventDefault(); move(event.key === "j" ? 1 : -1); return; }
    const row = current();
    if (!row) return;
    if (event.key === "Enter" && event.target === row) {
      const link = row.querySelector(".intake-title");
      if (link) { event.preventDefault(); link.click(); }
      return;
    }
    if (ACTION_KEYS.includes(event.key) && !inForm) {
      const button = row.querySelector(`[data-key="${event.key}"]`);
      if (button) { event.preventDefault(); press(button); }
    }
  }, true);

  // A click anywhere in a row makes it the current one.
  document.addEventListener("click", (event) => {
    const row = event.target.closest && event.target.closest("[data-intake-row]");
    if (row) {
      currentId = row.id;
      rows().forEach((r) => r.classList.toggle("is-current", r === row));
    }
  });

  // A row that htmx has just swapped in gets focus back (or its form's first field does), so
  // triage goes on from the keyboard. Each settle names its own element, so two requests in
  // flight (a key pressed before the previous swap settled) cannot take each other's focus;
  // a filter change settles the result list, not a row, and keeps its own focus.
  document.addEventListener("htmx:beforeRequest", (event) => {
    const row = event.detail.elt.closest && event.detail.elt.closest("[data-intake-row]");
    if (row) currentId = row.id;
  });
  document.addEventListener("htmx:afterSettle", (event) => {
    const settled = event.target;
    if (settled.matches && settled.matches("[data-intake-row]") && settled.id === currentId) {
      focusRow(settled);
    }
  });
})();
