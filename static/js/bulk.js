// Bulk actions on a list: "select all" ticks every row of the page.
document.addEventListener("change", function (event) {
  if (!event.target.matches(".js-select-all")) return;
  var table = event.target.closest("table");
  table.querySelectorAll('input[name="ids"]').forEach(function (box) {
    box.checked = event.target.checked;
  });
});
