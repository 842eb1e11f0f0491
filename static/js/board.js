/* Pipeline board: drag a card to another column to move the deal through the stage rules.
 * The server answers (htmx out-of-band swaps) with the card in its new column, or back in its
 * old one with the unmet requirements in words. Moving to Lost asks for the loss reason first.
 */
(function () {
  "use strict";
  var board = document.getElementById("board");
  if (!board) { return; }
  var query = board.dataset.query || "";
  var modalEl = document.getElementById("loss-modal");
  var modal = modalEl && window.bootstrap ? new window.bootstrap.Modal(modalEl) : null;
  var pending = null;

  function post(card, stageId, extra) {
    var values = { stage: stageId, board_query: query };
    Object.keys(extra || {}).forEach(function (key) { values[key] = extra[key]; });
    card.classList.add("board-card-moving");
    window.htmx.ajax("POST", card.dataset.moveUrl, { values: values, swap: "none", source: card });
  }

  function putBack(p) {
    if (!p || !p.from) { return; }
    var ref = p.from.children[p.index] || null;
    p.from.insertBefore(p.card, ref);
  }

  function askLossReason(p) {
    if (!modal) { putBack(p); return; }
    pending = p;
    modalEl.querySelector("form").reset();
    modal.show();
  }

  if (window.Sortable) {
    board.querySelectorAll(".board-column-cards").forEach(function (list) {
      window.Sortable.create(list, {
        group: "board",
        sort: false,
        animation: 150,
        forceFallback: true,
        fallbackTolerance: 4,
        delay: 150,
        delayOnTouchOnly: true,
        draggable: ".board-card",
        filter: ".dropdown",
        preventOnFilter: false,
        ghostClass: "board-card-ghost",
        onEnd: function (evt) {
          if (evt.from === evt.to) { return; }
          var p = { card: evt.item, from: evt.from, index: evt.oldIndex, stageId: evt.to.dataset.stage };
          if (evt.to.dataset.outcome === "lost") { askLossReason(p); return; }
          post(p.card, p.stageId);
        }
      });
    });
  }

  // The stage menu's "Lost" entry asks for the reason the same way (a plain link without JS).
  board.addEventListener("click", function (event) {
    var link = event.target.closest(".js-ask-loss");
    if (!link || !modal) { return; }
    event.preventDefault();
    askLossReason({ card: link.closest(".board-card"), from: null, stageId: link.dataset.stage });
  });

  if (modalEl) {
    modalEl.querySelector("form").addEventListener("submit", function (event) {
      event.preventDefault();
      if (!pending) { modal.hide(); return; }
      var form = event.target;
      var p = pending;
      pending = null;
      modal.hide();
      post(p.card, p.stageId, { loss_reason: form.loss_reason.value, note: form.note.value });
    });
    modalEl.addEventListener("hidden.bs.modal", function () {
      if (pending) { putBack(pending); pending = null; }
    });
  }

  document.body.addEventListener("htmx:responseError", function () {
    board.querySelectorAll(".board-card-moving").forEach(function (card) { card.classList.remove("board-card-moving"); });
  });
})();
