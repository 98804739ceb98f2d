// Raw Markdown editor: live preview (the doc page's renderer, on the server), a draft saved
// as you type, and a question before leaving with unpublished changes. Without JS the form
// still works: "Review changes" shows the preview, findings and diff; "Publish" publishes.
(function () {
  "use strict";

  const PREVIEW_DELAY_MS = 300;
  const DRAFT_DELAY_MS = 1000;

  function debounce(fn, wait) {
    let timer = null;
    const run = function () {
      clearTimeout(timer);
      timer = setTimeout(fn, wait);
    };
    run.cancel = function () { clearTimeout(timer); };
    return run;
  }

  function post(url, form, fields) {
    const body = new URLSearchParams();
    Object.keys(fields).forEach((name) => body.append(name, fields[name]));
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": form.querySelector("[name=csrfmiddlewaretoken]").value },
    });
  }

  function setUp(form) {
    const textarea = form.querySelector("[data-raw-text]");
    if (!textarea) return;
    const preview = document.querySelector("[data-raw-preview]");
    const status = document.querySelector("[data-draft-status]");
    const path = form.elements.path.value;
    const base = form.elements.base.value;
    let published = textarea.value;
    let submitting = false;
    let previewSeq = 0;

    const refreshPreview = debounce(() => {
      if (!preview || !form.dataset.previewUrl) return;
      const seq = ++previewSeq;
      post(form.dataset.previewUrl, form, { path: path, text: textarea.value })
        .then((response) => response.text())
        .then((html) => { if (seq === previewSeq) preview.innerHTML = html; })
        .catch(() => { /* the next keystroke tries again */ });
    }, PREVIEW_DELAY_MS);

    const saveDraft = debounce(() => {
      if (!form.dataset.draftUrl) return;
      if (status) status.textContent = "Saving draft…";
      post(form.dataset.draftUrl, form, { path: path, base: base, text: textarea.value })
        .then((response) => response.json())
        .then((answer) => {
          if (status) status.textContent = answer.saved ? "Draft saved" : answer.error;
        })
        .catch(() => { if (status) status.textContent = "Draft not saved (offline?)"; });
    }, DRAFT_DELAY_MS);

    textarea.addEventListener("input", () => {
      refreshPreview();
      saveDraft();
    });
    textarea.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        const publish = form.querySelector("[data-publish]");
        if (publish) publish.click();
      }
    });
    form.addEventListener("submit", () => {
      submitting = true;
      saveDraft.cancel(); // a publish discards the draft: a late autosave must not bring it back
    });
    window.addEventListener("beforeunload", (event) => {
      if (submitting || textarea.value === published) return;
      event.preventDefault();
      event.returnValue = "";
    });
    document.querySelectorAll("[data-leave-editor]").forEach((link) => {
      link.addEventListener("click", (event) => {
        if (textarea.value !== published && !window.confirm("Leave the editor? Your draft is kept under My drafts.")) {
          event.preventDefault();
        } else {
          published = textarea.value; // already asked
        }
      });
    });
  }

  document.querySelectorAll("[data-raw-editor]").forEach(setUp);
})();
