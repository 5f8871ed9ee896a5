// "/" focuses the search box from anywhere except while typing in a field.
document.addEventListener("keydown", (event) => {
  if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target;
  if (target.closest("input, textarea, select, [contenteditable]")) return;
  const box = document.getElementById("global-search");
  if (box) {
    event.preventDefault();
    box.focus();
    box.select();
  }
});
