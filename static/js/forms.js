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

/* A long list to choose from (an opportunity to assign, nearest first): typing narrows it. */
(function () {
  "use strict";
  Array.prototype.forEach.call(document.querySelectorAll("select[data-filterable]"), function (select) {
    var input = document.createElement("input");
    input.type = "search";
    input.placeholder = select.dataset.filterable;
    input.setAttribute("aria-label", select.dataset.filterable);
    input.className = "filter-list";
    select.parentNode.insertBefore(input, select);
    var options = Array.prototype.slice.call(select.options);
    input.addEventListener("input", function () {
      var words = input.value.trim().toLowerCase();
      options.forEach(function (option) {
        option.hidden = option.value !== "" && words !== "" && option.text.toLowerCase().indexOf(words) < 0;
      });
    });
  });
})();
