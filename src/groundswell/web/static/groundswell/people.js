// People list: "tick everyone on this page" for bulk tagging. No inline scripts (CSP).
document.addEventListener("change", function (event) {
  var all = event.target.closest("[data-select-all]");
  if (!all) return;
  var form = all.form;
  if (!form) return;
  form.querySelectorAll('input[type="checkbox"][name="' + all.dataset.selectAll + '"]')
    .forEach(function (box) { box.checked = all.checked; });
});
