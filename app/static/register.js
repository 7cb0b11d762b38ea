// Register grid: typing a code moves to the next pupil; one button marks the rest present.
(function () {
  "use strict";
  var form = document.getElementById("register-form");
  if (!form) return;
  var boxes = Array.prototype.slice.call(form.querySelectorAll("input.code"));
  var twoLetter = /^(C1|C2|J1|Y[1-7])$/;
  boxes.forEach(function (box, i) {
    box.addEventListener("input", function () {
      box.value = box.value.toUpperCase();
      var v = box.value;
      var done = v.length === 2 || (v.length === 1 && "CJY".indexOf(v) === -1);
      if (v === "L" || v === "U") {
        document.getElementById(box.id.replace("code-", "minutes-")).focus();
      } else if (done && (v.length === 1 || twoLetter.test(v)) && boxes[i + 1]) {
        boxes[i + 1].focus();
        boxes[i + 1].select();
      }
    });
    box.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown" || e.key === "Enter") {
        if (boxes[i + 1]) { e.preventDefault(); boxes[i + 1].focus(); boxes[i + 1].select(); }
      } else if (e.key === "ArrowUp" && boxes[i - 1]) {
        e.preventDefault(); boxes[i - 1].focus(); boxes[i - 1].select();
      }
    });
  });
  var all = document.getElementById("all-present");
  all.addEventListener("click", function () {
    boxes.forEach(function (box) { if (!box.value) box.value = all.getAttribute("data-code"); });
    form.querySelector("button[type=submit]").focus();
  });
})();
