// The console's live pages: Server-Sent Events (throttled by the server) redraw what changed.
"use strict";

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, value);
  for (const child of children) node.append(child instanceof Node ? child : String(child ?? ""));
  return node;
}

function clock(epoch) {
  return epoch ? new Date(epoch * 1000).toLocaleTimeString() : "";
}

function chartWidth(node) {
  return Math.max(320, (node.parentNode.clientWidth || 900) - 20);
}

function fleetOverview(history) {
  const target = document.getElementById("fleet-chart");
  const data = [[], [], [], []];
  const push = (s) => { data[0].push(s.t); data[1].push(s.messages_per_s); data[2].push(s.charging); data[3].push(s.connected); };
  history.forEach(push);
  const plot = new uPlot({
    width: chartWidth(target), height: 280,
    series: [{}, { label: "messages/s", stroke: "#1f6feb" }, { label: "charging", stroke: "#0a7d32" },
             { label: "connected", stroke: "#888" }],
  }, data, target);
  const events = new EventSource("/api/events/fleet");
  events.onmessage = (message) => {
    const update = JSON.parse(message.data);
    const fleet = update.fleet;
    document.getElementById("stations").textContent = fleet.stations;
    for (const [state, count] of Object.entries(fleet.counts)) {
      const cell = document.getElementById("count-" + state);
      if (cell) cell.textContent = count;
    }
    document.getElementById("messages").textContent = fleet.messages;
    document.getElementById("errors").textContent = fleet.errors;
    document.getElementById("transactions").textContent = fleet.transactions;
    if (update.sample) {
      document.getElementById("rate").textContent = update.sample.messages_per_s;
      push(update.sample);
      if (data[0].length > 600) data.forEach((column) => column.shift());
      plot.setData(data);
    }
  };
}

function stationPage(initial, csrf, v16) {
  const charts = new Map();  // transaction id -> uPlot
  const render = (station) => {
    const state = document.getElementById("station-state");
    state.textContent = station.state;
    state.className = "state-" + station.state;
    document.getElementById("station-messages").textContent = station.messages;
    document.getElementById("station-errors").textContent = station.errors;
    const connectors = document.querySelector("#connectors tbody");
    connectors.replaceChildren(...station.connectors.map((c) => el("tr", {},
      el("td", {}, c.evse_id), el("td", {}, c.connector_id), el("td", { class: "connector-status" }, c.status),
      el("td", {}, c.error_code), el("td", {}, clock(c.since)))));
    renderTransactions(station.transactions);
    const frames = document.querySelector("#frames tbody");
    frames.replaceChildren(...station.frames.map((f) => el("tr", {},
      el("td", {}, clock(f.at)), el("td", {}, f.direction === "in" ? "⇦ station" : "⇨ CSMS"),
      el("td", { class: "frame" }, f.text))));
  };
  const renderTransactions = (transactions) => {
    const box = document.getElementById("transactions");
    const live = new Set(transactions.map((t) => t.transaction_id));
    for (const id of charts.keys()) if (!live.has(id)) charts.delete(id);
    if (!transactions.length) {
      box.replaceChildren(el("p", { id: "no-transaction" }, "No transaction running."));
      return;
    }
    for (const child of [...box.children]) if (!live.has(child.dataset.transaction)) child.remove();
    for (const t of transactions) {
      let card = box.querySelector(`[data-transaction="${CSS.escape(t.transaction_id)}"]`);
      if (!card) {
        card = transactionCard(t);
        box.append(card);
      }
      const set = (name, value) => { card.querySelector("." + name).textContent = value ?? "—"; };
      set("id-token", t.id_token);
      set("energy", t.energy_kwh);
      set("delivered", t.delivered_kwh);
      set("power", t.power_kw);
      set("soc", t.soc === null ? "not reported" : t.soc + " %");
      set("duration", Math.round(t.duration_s) + " s");
      const data = [[], [], []];
      for (const [at, energy, power] of t.samples) { data[0].push(at); data[1].push(energy); data[2].push(power); }
      charts.get(t.transaction_id).setData(data);
    }
  };
  const transactionCard = (t) => {
    const field = (label, name) => [el("div", {}, el("dt", {}, label), el("dd", { class: name }))];
    const card = el("div", { class: "tx", "data-transaction": t.transaction_id },
      el("h3", {}, "Transaction ", t.transaction_id, " on EVSE ", t.evse_id),
      el("dl", {}, ...field("id token", "id-token"), ...field("energy register (kWh)", "energy"),
        ...field("delivered (kWh)", "delivered"), ...field("power (kW)", "power"), ...field("SoC", "soc"),
        ...field("duration", "duration")),
      el("form", { method: "post", action: location.pathname.replace(/\/$/, "") + "/actions/remote-stop", class: "stop" },
        el("input", { type: "hidden", name: "csrf", value: csrf }),
        el("input", { type: "hidden", name: "transaction_id", value: t.transaction_id }),
        el("button", { class: "stop-transaction" }, v16 ? "Remote stop (RemoteStopTransaction)" : "Remote stop (RequestStopTransaction)")),
      el("div", { class: "tx-chart" }));
    const target = card.querySelector(".tx-chart");
    charts.set(t.transaction_id, new uPlot({
      width: 900, height: 220,
      series: [{}, { label: "energy (kWh)", stroke: "#1f6feb", scale: "kWh" },
               { label: "power (kW)", stroke: "#d97706", scale: "kW" }],
      axes: [{}, { scale: "kWh" }, { scale: "kW", side: 1 }],
    }, [[], [], []], target));
    return card;
  };
  render(initial);
  const events = new EventSource("/api/events/stations/" + encodeURIComponent(initial.station_id));
  events.onmessage = (message) => render(JSON.parse(message.data));
}
