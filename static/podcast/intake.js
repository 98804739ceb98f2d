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
      if (cancel) { event.preventDefault(); cancel.click(); }
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
      if (button) { event.preventDefault(); button.click(); }
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

  // Only a request made from a row gives focus back to it (a filter change keeps its own).
  let fromRow = false;
  document.addEventListener("htmx:beforeRequest", (event) => {
    const row = event.detail.elt.closest && event.detail.elt.closest("[data-intake-row]");
    fromRow = Boolean(row);
    if (row) currentId = row.id;
  });
  document.addEventListener("htmx:afterSettle", () => {
    if (!fromRow) return;
    fromRow = false;
    const row = current();
    if (row) focusRow(row);
  });
})();
