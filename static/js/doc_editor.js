// The SOP block editor: click a block to edit it in place, Ctrl/Cmd+Enter saves, Esc cancels;
// chip inputs; drag-and-drop reordering of steps; screenshots by file button, paste and drop.
// Every action is a plain form underneath: without this script the forms are shown and work.
(function () {
  "use strict";

  document.documentElement.classList.add("has-doc-editor");

  // --- in-place editing -------------------------------------------------------------------
  function startEditing(block) {
    const input = block.querySelector("[data-edit-input]");
    block.classList.add("is-editing");
    if (input) {
      if (input.dataset.original === undefined) input.dataset.original = input.value;
      input.focus();
    }
  }

  function cancelEditing(block) {
    const input = block.querySelector("[data-edit-input]");
    if (input && input.dataset.original !== undefined) input.value = input.dataset.original;
    block.classList.remove("is-editing");
    const view = block.querySelector("[data-edit-trigger]");
    if (view) view.focus();
  }

  document.addEventListener("click", (event) => {
    const trigger = event.target.closest("[data-edit-trigger]");
    if (trigger) { startEditing(trigger.closest("[data-edit-block]")); return; }
    const cancel = event.target.closest("[data-edit-cancel]");
    if (cancel) { cancelEditing(cancel.closest("[data-edit-block]")); return; }
    const copy = event.target.closest("[data-copy]");
    if (copy) {
      const source = document.querySelector(copy.dataset.copy);
      const text = source ? (source.value !== undefined ? source.value : source.textContent) : "";
      if (navigator.clipboard) navigator.clipboard.writeText(text).then(() => { copy.textContent = "Copied"; });
    }
  });

  document.addEventListener("keydown", (event) => {
    const trigger = event.target.closest && event.target.closest("[data-edit-trigger]");
    if (trigger && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      startEditing(trigger.closest("[data-edit-block]"));
      return;
    }
    const input = event.target.closest && event.target.closest("[data-edit-input]");
    if (!input) return;
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      input.form.requestSubmit();
    } else if (event.key === "Escape") {
      const block = input.closest("[data-edit-block]");
      if (block) { event.preventDefault(); event.stopPropagation(); cancelEditing(block); }
    }
  });

  let submitting = false;
  document.addEventListener("submit", (event) => {
    if (!event.target.closest("[hx-boost]")) submitting = true;  // a real navigation follows
  });
  window.addEventListener("beforeunload", (event) => {
    if (submitting) return;
    const changed = Array.from(document.querySelectorAll("[data-edit-input]")).some(
      (input) => input.dataset.original !== undefined && input.value !== input.dataset.original
    );
    if (changed) { event.preventDefault(); event.returnValue = ""; }
  });

  // --- chip inputs ------------------------------------------------------------------------
  function setUpChips(field) {
    const input = field.querySelector("[data-chips-input]");
    const list = document.createElement("div");
    const entry = document.createElement("input");
    list.className = "chip-list";
    entry.className = "chip-entry";
    entry.setAttribute("aria-label", "Add to " + field.querySelector("label").textContent);
    input.type = "hidden";
    const values = () => input.value.split(",").map((v) => v.trim()).filter(Boolean);
    function draw() {
      list.replaceChildren();
      values().forEach((value) => {
        const chip = document.createElement("span");
        const remove = document.createElement("button");
        chip.className = "chip chip-removable";
        chip.textContent = value;
        remove.type = "button";
        remove.className = "chip-remove";
        remove.textContent = "×";
        remove.setAttribute("aria-label", "Remove " + value);
        remove.addEventListener("click", () => {
          input.value = values().filter((v) => v !== value).join(", ");
          draw();
        });
        chip.appendChild(remove);
        list.appendChild(chip);
      });
      list.appendChild(entry);
    }
    function add() {
      const fresh = entry.value.split(",").map((v) => v.trim()).filter(Boolean);
      if (!fresh.length) return;
      input.value = values().concat(fresh.filter((v) => !values().includes(v))).join(", ");
      entry.value = "";
      draw();
      entry.focus();
    }
    entry.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === ",") { event.preventDefault(); add(); }
      else if (event.key === "Backspace" && !entry.value && values().length) {
        input.value = values().slice(0, -1).join(", ");
        draw();
        entry.focus();
      }
    });
    input.after(list);
    draw();
    input.form.addEventListener("submit", add);
  }

  // --- the page's forms share the base: after an image commit they move on together --------
  function hiddenFields() {
    const base = document.querySelector("[data-base]");
    const head = document.querySelector("[data-head]");
    const csrf = document.querySelector("input[name=csrfmiddlewaretoken]");
    const path = document.querySelector("[data-sop-editor] input[name=path]");
    return { base, head, csrf, path };
  }

  function postForm(url, fields) {
    const form = document.createElement("form");
    form.method = "post";
    form.action = url;
    Object.entries(fields).forEach(([name, value]) => {
      const input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      input.value = value;
      form.appendChild(input);
    });
    document.body.appendChild(form);
    submitting = true;
    form.submit();
  }

  // --- drag and drop reordering -----------------------------------------------------------
  let dragged = null;

  function dropPlace(event) {
    const step = event.target.closest(".edit-step");
    if (step && step !== dragged) {
      const box = step.getBoundingClientRect();
      const below = event.clientY > box.top + box.height / 2;
      let position = Number(step.dataset.position) + (below ? 1 : 0);
      if (dragged.dataset.group === step.dataset.group && Number(dragged.dataset.position) < position) position -= 1;
      return { group: step.dataset.group, position: position, marker: step, below: below };
    }
    const group = event.target.closest("[data-drop-group]");
    if (group) return { group: group.dataset.dropGroup, position: 0, marker: group, below: true };
    return null;
  }

  function clearMarks() {
    document.querySelectorAll(".drop-before, .drop-after").forEach((el) => el.classList.remove("drop-before", "drop-after"));
  }

  function setUpDragging(editor) {
    editor.addEventListener("dragstart", (event) => {
      const step = event.target.closest && event.target.closest(".edit-step");
      if (!step || event.target.closest("[data-edit-block].is-editing")) return;
      dragged = step;
      step.classList.add("is-dragged");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", "step:" + step.dataset.stepId);
    });
    editor.addEventListener("dragend", () => {
      if (dragged) dragged.classList.remove("is-dragged");
      dragged = null;
      clearMarks();
    });
    editor.addEventListener("dragover", (event) => {
      if (!dragged) {
        if (event.dataTransfer && Array.from(event.dataTransfer.types).includes("Files") && event.target.closest(".edit-step")) event.preventDefault();
        return;
      }
      const place = dropPlace(event);
      if (!place) return;
      event.preventDefault();
      clearMarks();
      place.marker.classList.add(place.below ? "drop-after" : "drop-before");
    });
    editor.addEventListener("drop", (event) => {
      if (!dragged) {
        const step = event.target.closest(".edit-step");
        const files = event.dataTransfer && event.dataTransfer.files;
        if (step && files && files.length) { event.preventDefault(); upload(step, files[0]); }
        return;
      }
      const place = dropPlace(event);
      if (!place) return;
      event.preventDefault();
      const fields = hiddenFields();
      postForm(editor.dataset.placeUrl, {
        csrfmiddlewaretoken: fields.csrf.value,
        path: fields.path.value,
        base: fields.base.value,
        head: fields.head.value,
        step: dragged.dataset.stepId,
        group: place.group || "",
        position: String(place.position),
      });
    });
  }

  // --- screenshots: file button, paste, drop ------------------------------------------------
  let lastStep = null;

  function showMessage(text, level) {
    const box = document.getElementById("messages");
    if (!box) return;
    const message = document.createElement("div");
    const close = document.createElement("button");
    const span = document.createElement("span");
    message.className = "message message-" + level;
    message.setAttribute("role", level === "error" ? "alert" : "status");
    span.textContent = text;
    close.type = "button";
    close.className = "message-close";
    close.setAttribute("aria-label", "Dismiss");
    close.dataset.dismiss = "";
    close.textContent = "✕";
    message.append(span, close);
    box.appendChild(message);
  }

  function moveBase(blob, head) {
    if (blob) {
      document.querySelectorAll("[data-base]").forEach((input) => { input.value = blob; });
      document.querySelectorAll("[data-base-label]").forEach((el) => { el.textContent = blob.slice(0, 12); });
    }
    if (head) {
      document.querySelectorAll("[data-head]").forEach((input) => { input.value = head; });
      document.querySelectorAll("[data-head-label]").forEach((el) => { el.textContent = head.slice(0, 12); });
    }
  }

  function upload(step, file) {
    const form = step.querySelector("[data-upload-form]");
    const error = form.querySelector("[data-upload-error]");
    const data = new FormData(form);
    data.set("image", file, file.name || "pasted.png");
    error.hidden = true;
    step.classList.add("is-uploading");
    fetch(form.action, { method: "POST", body: data, headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then((response) => response.json().catch(() => ({ ok: false, error: "The upload failed (" + response.status + ")." })))
      .then((result) => {
        step.classList.remove("is-uploading");
        if (!result.ok) {
          error.textContent = result.error;
          error.hidden = false;
          step.querySelector("details.edit-step-more").open = true;
          showMessage(result.error, "error");
          return;
        }
        const figure = document.createElement("figure");
        const img = document.createElement("img");
        figure.className = "edit-shot is-new";
        img.src = result.src;
        img.alt = "Screenshot";
        figure.appendChild(img);
        step.querySelector("[data-shots]").appendChild(figure);
        moveBase(result.blob, result.head);
        showMessage(result.message, "success");
      })
      .catch(() => {
        step.classList.remove("is-uploading");
        error.textContent = "The upload failed: the portal did not answer.";
        error.hidden = false;
      });
  }

  function setUpUploads(editor) {
    editor.addEventListener("focusin", (event) => {
      const step = event.target.closest(".edit-step");
      if (step) lastStep = step;
    });
    editor.addEventListener("click", (event) => {
      const step = event.target.closest(".edit-step");
      if (step) lastStep = step;
    });
    editor.addEventListener("change", (event) => {
      const input = event.target.closest("[data-upload-input]");
      if (input && input.files.length) { upload(input.closest(".edit-step"), input.files[0]); input.value = ""; }
    });
  }

  document.addEventListener("paste", (event) => {
    const step = (event.target.closest && event.target.closest(".edit-step")) ||
      (lastStep && lastStep.isConnected ? lastStep : null);
    const items = event.clipboardData ? Array.from(event.clipboardData.files || []) : [];
    const image = items.find((file) => file.type.startsWith("image/"));
    if (!step || !image) return;
    event.preventDefault();
    upload(step, image);
  });

  // Runs on load and again after htmx swapped in a new version of the editor.
  function start() {
    document.querySelectorAll("[data-chips]:not([data-ready])").forEach((field) => {
      field.dataset.ready = "true";
      setUpChips(field);
    });
    const editor = document.querySelector("[data-sop-editor]:not([data-ready])");
    if (!editor) return;
    editor.dataset.ready = "true";
    setUpDragging(editor);
    setUpUploads(editor);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
  document.addEventListener("htmx:afterSettle", start);
})();
