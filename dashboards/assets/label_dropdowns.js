// Dash's dropdown names itself by its value alone ("Any"); add the visible <label> to its name so a
// screen reader hears "Flag, Any". Runs again whenever Dash adds controls to the page.
(function () {
  function nameDropdowns() {
    document.querySelectorAll("button.dash-dropdown[id]").forEach(function (button) {
      var label = document.querySelector('label[for="' + CSS.escape(button.id) + '"]');
      if (!label) { return; }
      if (!label.id) { label.id = button.id + "-label"; }
      var ids = (button.getAttribute("aria-labelledby") || "").split(" ").filter(Boolean);
      if (ids.indexOf(label.id) === -1) {
        button.setAttribute("aria-labelledby", [label.id].concat(ids).join(" "));
      }
    });
  }
  new MutationObserver(nameDropdowns).observe(document.documentElement, { childList: true, subtree: true });
})();
