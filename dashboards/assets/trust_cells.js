// Cell renderers for the trust dashboard's schools table, served from this site (no eval: the CSP stays strict).
// Every figure shows words as well as a number or a colour; the sparkline carries its own text alternative.
var trustcells = (window.dashAgGridComponentFunctions = window.dashAgGridComponentFunctions || {});

trustcells.SchoolCell = function (props) {
  var d = props.data;
  if (!d) { return null; }
  if (d.level !== "school") {
    var kind = { trust: "Trust", la: "Local authority", national: "England" }[d.level] || "";
    return React.createElement("span", { className: "ref-row ref-" + d.level },
      React.createElement("strong", null, props.value), React.createElement("br"),
      React.createElement("span", { className: "ref-kind" }, kind + " (reference row)"));
  }
  var links = d.links || {};
  return React.createElement("span", { className: "school-cell" },
    React.createElement("a", { href: links.benchmark, "aria-label": props.value + ": benchmark" }, props.value),
    React.createElement("br"),
    React.createElement("a", { href: links.week, className: "drill", "aria-label": props.value + ": weekly flags" }, "Weekly flags"),
    " · ",
    React.createElement("a", { href: links.attendance, className: "drill", "aria-label": props.value + ": attendance" }, "Attendance"));
};

// A number to sort by, shown as the words beside it (FIELD_text).
trustcells.Worded = function (props) {
  if (!props.data) { return null; }
  var text = props.data[props.colDef.field + "_text"];
  return React.createElement("span", null, text === undefined ? "–" : text);
};

trustcells.TsmCell = function (props) {
  if (!props.data || !props.value) { return null; }
  return React.createElement("span", { className: props.data.tsm_flagged ? "tsm tsm-flagged" : "tsm" }, props.value);
};

// Weekly attendance as a small line; its name for assistive tech is the first and last weeks' figures.
trustcells.Sparkline = function (props) {
  var d = props.data;
  if (!d) { return null; }
  var values = d.spark || [];
  if (values.length < 2) { return React.createElement("span", null, props.value); }
  var width = 110, height = 28, low = Math.min.apply(null, values), high = Math.max.apply(null, values);
  var span = high - low || 1;
  var points = values.map(function (v, i) {
    var x = (i / (values.length - 1)) * (width - 4) + 2;
    var y = height - 3 - ((v - low) / span) * (height - 6);
    return x.toFixed(1) + "," + y.toFixed(1);
  }).join(" ");
  var last = points.split(" ").pop().split(",");
  return React.createElement("span", { className: "spark" },
    React.createElement("svg", { width: width, height: height, viewBox: "0 0 " + width + " " + height, role: "img",
      "aria-label": "Weekly attendance: " + props.value, focusable: "false" },
      React.createElement("polyline", { points: points, fill: "none", stroke: "#1f5f8b", strokeWidth: 1.8 }),
      React.createElement("circle", { cx: last[0], cy: last[1], r: 2.5, fill: "#1f5f8b" })),
    React.createElement("span", { className: "spark-text" }, props.value));
};
