// Back-office keyboard shortcuts: "/" focuses the search box (unless
// typing in a field already); Escape leaves a field.
document.addEventListener("keydown", function (e) {
  var t = e.target;
  var typing = t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable);
  if (e.key === "/" && !typing && !e.ctrlKey && !e.metaKey && !e.altKey) {
    var box = document.querySelector("[data-shortcut='/']");
    if (box) {
      e.preventDefault();
      box.focus();
      box.select();
    }
  } else if (e.key === "Escape" && typing && t.blur) {
    t.blur();
  }
});
