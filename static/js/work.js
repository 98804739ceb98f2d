// Work pages: small enhancements htmx does not cover. Without them everything still works.
(function () {
  "use strict";

  // Bring the linked SOP step into view inside the doc panel beside a task.
  function showLinkedStep(root) {
    const panel = (root || document).querySelector(".task-doc-body");
    if (!panel) return;
    const step = panel.querySelector(".sop-step.is-current, .is-linked-step");
    if (!step) return;
    const top = step.getBoundingClientRect().top - panel.getBoundingClientRect().top;
    panel.scrollTop += top - 24;
  }
  document.addEventListener("DOMContentLoaded", () => showLinkedStep(document));
  document.addEventListener("htmx:afterSettle", (event) => showLinkedStep(event.target));

  // A row's small form (wait, snooze, follow-up) closes with its Cancel button…
  document.addEventListener("click", (event) => {
    const cancel = event.target.closest("[data-close-popover]");
    if (cancel) cancel.closest(".row-popover").innerHTML = "";
  });
  // …and puts the cursor in its first field when it opens.
  document.addEventListener("htmx:afterSwap", (event) => {
    if (!event.target.classList.contains("row-popover")) return;
    const field = event.target.querySelector("input:not([type=hidden]), select, textarea");
    if (field) field.focus();
  });
})();
