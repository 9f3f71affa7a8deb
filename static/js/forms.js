/* Staff forms: shifts added and removed in place (Django's formset: a new form is the empty one
 * with the next number, and the management form counts it). */
(function () {
  "use strict";
  var add = document.getElementById("add-shift");
  if (!add) return;
  var template = document.getElementById("empty-shift");
  var list = document.getElementById("shift-forms");
  var total = document.querySelector("input[name$='-TOTAL_FORMS']");
  add.addEventListener("click", function () {
    var index = parseInt(total.value, 10);
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    list.insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
    var first = list.lastElementChild.querySelector("input");
    if (first) first.focus();
  });
})();
