// Knowledge-base suggestions on the intake page (知识库推荐): as the agent types the title or the
// description, ask /kb/suggest/ (debounced, the latest answer wins) and list the top articles.
// 「填入答复」 (public articles only: an internal guide, 内部口径, is marked as such) copies the article's
// answer (with its reference mark) into the 直接答复 box and marks the
// request as an enquiry (咨询); the agent checks it and presses 直接答复, which registers and closes the
// order through the real services; the server records which article was used from the mark.
// 「纠错」 opens the article page in a new tab at its correction form (知识纠错).
(function () {
  "use strict";
  var box = document.getElementById("kb-suggest");
  if (!box) { return; }
  var list = document.getElementById("kb-suggest-list");
  var status = document.getElementById("kb-suggest-status");
  var title = document.getElementById("id_title");
  var description = document.getElementById("id_description");
  var answer = document.getElementById("id_answer");
  var timer = null;
  var asked = "";
  var serial = 0;

  function query() {
    return ((title ? title.value : "") + " " + (description ? description.value : "")).trim().slice(0, 300);
  }

  function fill(item) {
    if (answer) { answer.value = item.answer_text; }
    var consult = document.querySelector('input[name="request_type"][value="consult"]');
    if (consult) { consult.checked = true; }
    status.textContent = box.dataset.filled;
    if (answer) { answer.focus(); }
  }

  function render(results) {
    list.replaceChildren();
    results.forEach(function (item) {
      var li = document.createElement("li");
      var head = document.createElement("div");
      head.className = "kb-hit-head";
      var link = document.createElement("a");
      link.href = item.url;
      link.target = "_blank";
      link.rel = "noopener";
      link.textContent = item.code + " " + item.title;
      var tag = document.createElement("span");
      tag.className = "tag";
      tag.textContent = item.kind_label;
      var owner = document.createElement("span");
      owner.className = "hint";
      owner.textContent = item.owner;
      var report = document.createElement("a");
      report.href = item.url + "#kb-feedback";
      report.target = "_blank";
      report.rel = "noopener";
      report.className = "kb-hit-report";
      report.textContent = box.dataset.report;
      report.title = box.dataset.reportTitle;
      head.append(link, " ", tag, " ", owner, " ", report);
      var text = document.createElement("p");
      text.className = "kb-answer";
      text.textContent = item.answer.length > 140 ? item.answer.slice(0, 139) + "…" : item.answer;
      var action;
      if (item.public === false) {  // an internal guide (内部口径) is read, never sent to the citizen
        action = document.createElement("p");
        action.className = "hint";
        action.textContent = box.dataset.internal;
      } else {
        action = document.createElement("button");
        action.type = "button";
        action.textContent = box.dataset.fill;
        action.addEventListener("click", function () { fill(item); });
      }
      li.append(head, text, action);
      list.append(li);
    });
    box.hidden = results.length === 0;
  }

  function ask() {
    var q = query();
    if (q === asked) { return; }
    asked = q;
    if (q.length < 2) { render([]); return; }
    var mine = ++serial;
    fetch(box.dataset.url + "?q=" + encodeURIComponent(q), {credentials: "same-origin",
                                                            headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : {results: []}; })
      .then(function (data) { if (mine === serial) { render(data.results || []); } })
      .catch(function () { /* suggestions are a help only: the page works without them */ });
  }

  function later() {
    clearTimeout(timer);
    timer = setTimeout(ask, 350);
  }

  [title, description].forEach(function (field) { if (field) { field.addEventListener("input", later); } });
  ask();
}());
