// The dashboard page: asks the bot's API and shows what it answers. Every text goes in as text (never as
// HTML); the charts are SVG drawn and escaped by the bot.
"use strict";
(function () {
  var base = document.body.getAttribute("data-base");
  var webApp = window.Telegram && window.Telegram.WebApp;

  // Inside Telegram, telegram-web-app.js gives initData; without it (a test, or a client that did not load
  // the script) the fragment Telegram opens the page with holds the same data.
  function initData() {
    if (webApp && webApp.initData) return webApp.initData;
    var params = new URLSearchParams(window.location.hash.slice(1));
    return params.get("tgWebAppData") || "";
  }

  var auth = initData();
  if (webApp) {
    try { webApp.ready(); webApp.expand(); } catch (e) { /* an older client */ }
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function say(text) {
    var p = document.getElementById("pesan");
    p.textContent = text;
    p.hidden = !text;
  }

  function ask(path) {
    var headers = { "Accept": "application/json" };
    if (auth) headers["Authorization"] = "tma " + auth;
    return fetch(base + "/api/" + path, { headers: headers, credentials: "same-origin" }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) throw new Error(body.error || "Terjadi kesalahan.");
        return body;
      });
    });
  }

  function row(dl, label, value, cls) {
    dl.appendChild(el("dt", null, label));
    dl.appendChild(el("dd", cls || null, value));
  }

  function showIndicators(data) {
    var box = document.getElementById("indikator");
    box.textContent = "";
    document.getElementById("per").textContent = "Tahun " + data.year + " · data s.d. " + data.as_of_text;
    data.indicators.forEach(function (ind) {
      var card = el("article", "iku");
      card.setAttribute("data-kode", ind.code);
      card.appendChild(el("h2", null, ind.code));
      card.appendChild(el("p", "nama", ind.name));
      var dl = el("dl");
      row(dl, "Realisasi", ind.text.realisasi, "realisasi");
      row(dl, "Target", ind.text.target, "target");
      row(dl, "Capaian", ind.text.capaian, ind.below_target ? "capaian bawah" : "capaian");
      row(dl, "Predikat", ind.predikat || "—", "predikat");
      card.appendChild(dl);
      var chart = el("div", "grafik-kotak");
      // Markup the bot drew and escaped itself.
      chart.innerHTML = ind.chart_svg;
      card.appendChild(chart);
      card.appendChild(el("p", "catatan", "Penanggung jawab: " + ind.subsection));
      box.appendChild(card);
    });
  }

  function fill(id, items, empty, total, line) {
    var list = document.getElementById(id);
    list.textContent = "";
    if (!items.length) {
      list.appendChild(el("li", "kosong", empty));
      return;
    }
    items.forEach(function (item) { list.appendChild(line(item)); });
    if (total > items.length) list.appendChild(el("li", "kosong", "… dan " + (total - items.length) + " lainnya"));
  }

  function item(main, detail) {
    var li = el("li");
    li.appendChild(el("span", "utama", main));
    if (detail) li.appendChild(el("span", "rinci", detail));
    return li;
  }

  function showLists(data) {
    fill("belum-terbit", data.unpublished.items, "Semua Perda dan Perwali yang ditetapkan sudah dipublikasikan.",
      data.unpublished.total, function (p) {
        return item("#" + p.id + " " + p.name + " — " + p.title,
          "Ditetapkan " + p.enacted_text + " · menunggu " + p.days_waiting + " hari");
      });
    fill("perkara", data.open_cases.items, "Tidak ada perkara yang masih berjalan.", data.open_cases.total,
      function (c) {
        var detail = "Tingkat " + c.level_text + " · sejak " + c.started_text;
        if (c.court) detail += " · " + c.court;
        detail += c.next_hearing ? " · sidang berikutnya " + c.next_hearing.text : " · belum ada jadwal sidang";
        return item("#" + c.id + " " + c.register_number + (c.description ? " — " + c.description : ""), detail);
      });
    document.getElementById("judul-sidang").textContent = "Sidang " + data.hearings.days + " hari ke depan";
    fill("sidang", data.hearings.items, "Tidak ada sidang dalam " + data.hearings.days + " hari ke depan.",
      data.hearings.total, function (h) {
        var detail = "Perkara #" + h.case.id + " " + h.case.register_number;
        if (h.case.court) detail += " (" + h.case.court + ")";
        if (h.agenda) detail += " · " + h.agenda;
        return item(h.text, detail);
      });
    document.getElementById("daftar").hidden = false;
  }

  function loadYear(year) {
    say("Memuat data…");
    return ask("iku" + (year ? "?tahun=" + encodeURIComponent(year) : "")).then(function (data) {
      var select = document.getElementById("tahun");
      if (!select.options.length) {
        for (var y = data.current_year; y >= Math.max(2000, data.current_year - 4); y--) {
          var option = el("option", null, String(y));
          option.value = String(y);
          select.appendChild(option);
        }
        select.addEventListener("change", function () {
          loadYear(select.value).catch(function (e) { say(e.message); });
        });
      }
      select.value = String(data.year);
      showIndicators(data);
      say("");
    });
  }

  Promise.all([loadYear(null), ask("daftar").then(showLists)]).catch(function (e) {
    say(e.message || "Terjadi kesalahan.");
  });
})();
