// The questionnaire answer page: show a question only when its dependency is met, and save the answers as they
// change (the page works without this file: every question shown, the Save button posts the form).
(function () {
  "use strict";
  var form = document.getElementById("answer-form");
  if (!form) { return; }
  var status = document.getElementById("autosave-status");
  var progress = document.getElementById("progress");

  function chosen(questionId) {
    var inputs = form.querySelectorAll('[name="a.' + questionId + '"]');
    var values = [];
    Array.prototype.forEach.call(inputs, function (input) {
      if ((input.type === "radio" || input.type === "checkbox") ? input.checked : input.value) {
        values.push(input.value);
      }
    });
    return values;
  }

  function applies(block) {
    var parent = block.getAttribute("data-depends");
    if (!parent) { return true; }
    var parentBlock = document.getElementById("q-" + parent);
    if (parentBlock && parentBlock.hidden) { return false; }
    var wanted = block.getAttribute("data-answers").split(" ");
    return chosen(parent).some(function (v) { return wanted.indexOf(v) >= 0; });
  }

  function refresh() {
    Array.prototype.forEach.call(form.querySelectorAll(".question"), function (block) {
      var hide = !applies(block);
      block.hidden = hide;
      block.style.display = hide ? "none" : "";  // the page's CSS gives .field a display that [hidden] loses to
    });
  }

  var timer = null;
  function save() {
    var data = new FormData(form);
    data.delete("file");
    status.textContent = status.getAttribute("data-saving") || "…";
    fetch(form.getAttribute("data-autosave"), {
      method: "POST", body: data, credentials: "same-origin",
      headers: {"X-Autosave": "1", "Accept": "application/json"}
    }).then(function (response) {
      return response.json().then(function (body) { return {ok: response.ok, body: body}; });
    }).then(function (result) {
      Array.prototype.forEach.call(form.querySelectorAll("small.error.autosave"), function (e) { e.remove(); });
      status.textContent = result.body.message || "";
      if (result.ok) {
        progress.textContent = result.body.progress;
        status.setAttribute("data-state", "saved");
        return;
      }
      status.setAttribute("data-state", "error");
      var errors = result.body.errors || {};
      Object.keys(errors).forEach(function (questionId) {
        var block = document.getElementById("q-" + questionId);
        if (!block) { return; }
        var small = document.createElement("small");
        small.className = "error autosave";
        small.textContent = errors[questionId].join(" ");
        block.appendChild(small);
      });
    }).catch(function () { status.setAttribute("data-state", "error"); });
  }

  var autosave = form.hasAttribute("data-autosave");  // a respondent link saves with its buttons only
  form.addEventListener("change", function (event) {
    if (event.target.type === "file") { return; }
    refresh();
    if (!autosave) { return; }
    clearTimeout(timer);
    timer = setTimeout(save, 400);
  });
  refresh();
}());
