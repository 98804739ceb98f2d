// The Data pages: a button with data-copy puts its value on the clipboard.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button || !navigator.clipboard) return;
  navigator.clipboard.writeText(button.dataset.copy).then(() => {
    const label = button.textContent;
    button.textContent = "Copied";
    button.classList.add("is-copied");
    setTimeout(() => { button.textContent = label; button.classList.remove("is-copied"); }, 1500);
  });
});
