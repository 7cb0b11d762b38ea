// Cell renderers for the weekly flags grid, served from this site (no eval, so the CSP stays strict).
// A flag is never colour alone: the cell shows its icon and label too.
var dagcomponentfuncs = (window.dashAgGridComponentFunctions = window.dashAgGridComponentFunctions || {});

dagcomponentfuncs.FlagCell = function (props) {
  if (!props.data) { return null; }
  return React.createElement("span", { className: "flag flag-" + props.data.flag }, props.value);
};

dagcomponentfuncs.PupilLink = function (props) {
  if (!props.data) { return null; }
  return React.createElement("a", { href: props.data.pupil_url }, props.value);
};

// The next step is a link to the pupil's casework, where it becomes an action with an owner and a due date.
dagcomponentfuncs.StepLink = function (props) {
  if (!props.data) { return null; }
  return React.createElement("a", {
    href: props.data.act_url,
    "aria-label": "Act on the next step for " + props.data.name + ": " + props.value,
  }, props.value);
};
