// The public guest form: a live counter under every field with a limit, and the draft saved
// every 20 seconds while something changed (and when the page is hidden), through the
// autosave endpoint with the page's CSRF token. The form works without this file.
(function () {
  "use strict";
  const form = document.querySelector("[data-guest-form]");
  if (!form) return;
  const status = form.querySelector("[data-autosave-status]");
  let dirty = false;
  let saving = false;

  function updateCounter(field) {
    const counter = form.querySelector(`[data-counter-for="${field.id}"]`);
    if (!counter) return;
    const limit = Number(field.dataset.limit);
    const used = field.value.length;
    counter.textContent = `${used} / ${limit}`;
    counter.classList.toggle("is-near", used >= limit * 0.9);
    counter.classList.toggle("is-over", used > limit);
  }

  form.querySelectorAll("[data-limit]").forEach((field) => {
    updateCounter(field);
    field.addEventListener("input", () => { updateCounter(field); dirty = true; });
  });

  function say(text) { if (status) status.textContent = text; }

  async function save() {
    if (!dirty || saving) return;
    saving = true;
    dirty = false;
    const data = new FormData(form);
    data.delete("file");
    data.delete("intent");
    try {
      const response = await fetch(form.dataset.autosaveUrl, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "X-CSRFToken": data.get("csrfmiddlewaretoken") || "" },
      });
      const answer = await response.json().catch(() => ({}));
      if (response.ok && answer.saved) say(`Draft saved at ${answer.at}.`);
      else if (response.status === 404) say("This form is closed; your last changes were not saved.");
      else if (response.status === 429) { dirty = true; say("Saving paused for a few minutes (too many saves)."); }
      else { dirty = true; say("Not saved yet: check the fields marked in red, then save the draft."); }
    } catch (error) {
      dirty = true;
      say("Could not save the draft (offline?). It will try again.");
    } finally {
      saving = false;
    }
  }

  setInterval(save, 20000);
  document.addEventListener("visibilitychange", () => { if (document.visibilityState === "hidden") save(); });
})();
