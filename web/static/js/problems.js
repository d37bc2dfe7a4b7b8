/* One line of the located-problems list, as the server renders it (console/_problems.html):
   used by the modeler and the decision-table editor after an in-page validate or deploy. */
(function () {
  "use strict";
  window.permitflowProblemItem = function (p) {
    var li = document.createElement("li");
    li.className = "problem";
    li.setAttribute("data-element", p.element_id || "");
    li.textContent = [p.file + (p.line ? ":" + p.line : ""), p.element_id || "",
                      p.element_name || "", "— " + p.message,
                      p.hint ? "(" + p.hint + ")" : ""].join(" ");
    return li;
  };
})();
