// Progressive enhancement for the grading screen: one click inserts a comment from the
// rubric's comment bank into the comment field it belongs to. Without JavaScript the bank is a
// plain list to copy from.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-insert-comment]");
  if (!button) return;
  const field = document.getElementById(button.dataset.target);
  if (!field) return;
  event.preventDefault();
  const text = button.dataset.insertComment;
  field.value = field.value.trim() ? `${field.value.trimEnd()}\n${text}` : text;
  field.focus();
});
