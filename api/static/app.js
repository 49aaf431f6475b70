// Tandem's web page: search with suggestions, a user's feed, and events from each result.
// Plain DOM code, no build step and no network beyond this API. Text from the API only ever
// reaches the page through textContent or attributes: it is never parsed as HTML.
"use strict";

(() => {
  const K = 12;
  const SUGGEST_DELAY_MS = 150;
  const KEY_STORAGE = "tandem.apiKey"; // sessionStorage: forgotten with the tab
  const USER_STORAGE = "tandem.userId"; // localStorage: the chosen user survives a reload
  const DEMO_USERS = Array.from({ length: 10 }, (_, i) => `user-${String(i + 1).padStart(4, "0")}`);
  const STAGES = {
    retrieval: "Retrieval: Elasticsearch clause scores",
    ranker: "Ranker",
    rerank: "Re-ranking: MMR and business rules",
  };
  const DONE = {
    click: "Opened",
    like: "Liked",
    dislike: "Disliked",
    add_to_cart: "In cart",
  };

  const byId = (id) => document.getElementById(id);
  const ui = {
    userForm: byId("user-form"),
    userInput: byId("user-id"),
    demoUsers: byId("demo-users"),
    newUser: byId("new-user"),
    searchForm: byId("search-form"),
    searchInput: byId("search-input"),
    suggestions: byId("suggestions"),
    keyForm: byId("key-form"),
    keyInput: byId("api-key"),
    error: byId("error"),
    status: byId("status"),
    results: byId("results"),
    heading: byId("results-heading"),
    refresh: byId("refresh-feed"),
    list: byId("result-list"),
    template: byId("result-template"),
  };

  // What the list shows now: "search" or "feed", the query, and the response's request id.
  const view = { kind: null, query: "", requestId: null };
  let loadSeq = 0; // only the latest search/feed response is rendered
  let pendingRetry = null; // the write that waits for the API key
  let returnFocus = null;

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  /** Calls the API; a non-2xx answer becomes an ApiError carrying the API's error.message. */
  async function api(path, options = {}) {
    const headers = { Accept: "application/json", ...(options.headers || {}) };
    const key = sessionStorage.getItem(KEY_STORAGE);
    if (key) headers["X-API-Key"] = key;
    let response;
    try {
      response = await fetch(path, { ...options, headers });
    } catch {
      throw new ApiError(0, "The API could not be reached. Is Tandem running?");
    }
    let body = null;
    try {
      body = await response.json();
    } catch {
      body = null;
    }
    if (!response.ok) {
      const message = body && body.error && body.error.message ? body.error.message : `HTTP ${response.status}`;
      throw new ApiError(response.status, message);
    }
    return body;
  }

  function showError(message) {
    ui.status.textContent = "";
    ui.error.textContent = message;
  }

  function showStatus(message) {
    ui.error.textContent = "";
    ui.status.textContent = message;
  }

  function currentUser() {
    return ui.userInput.value.trim();
  }

  function setUser(userId) {
    ui.userInput.value = userId;
    localStorage.setItem(USER_STORAGE, userId);
  }

  // ---- Suggestions: an ARIA 1.2 combobox with a listbox popup ----

  let suggestTimer = 0;
  let suggestSeq = 0;
  let options = [];
  let active = -1;

  function suggestionsOpen() {
    return !ui.suggestions.hidden;
  }

  function closeSuggestions() {
    clearTimeout(suggestTimer);
    suggestSeq += 1; // a response still in flight must not reopen the list
    ui.suggestions.hidden = true;
    ui.suggestions.replaceChildren();
    ui.searchInput.setAttribute("aria-expanded", "false");
    ui.searchInput.removeAttribute("aria-activedescendant");
    options = [];
    active = -1;
  }

  function setActive(index) {
    const items = ui.suggestions.children;
    if (active >= 0 && items[active]) items[active].setAttribute("aria-selected", "false");
    active = index;
    if (active < 0) {
      ui.searchInput.removeAttribute("aria-activedescendant");
      return;
    }
    items[active].setAttribute("aria-selected", "true");
    items[active].scrollIntoView({ block: "nearest" });
    ui.searchInput.setAttribute("aria-activedescendant", items[active].id);
  }

  function renderSuggestions(suggestions) {
    options = suggestions.filter((s) => typeof s.title === "string" && s.title);
    active = -1;
    ui.searchInput.removeAttribute("aria-activedescendant");
    const items = options.map((suggestion, index) => {
      const li = document.createElement("li");
      li.id = `suggestion-${index}`;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.textContent = suggestion.title;
      li.addEventListener("mousedown", (event) => event.preventDefault()); // keep focus in the input
      li.addEventListener("click", () => choose(index));
      return li;
    });
    ui.suggestions.replaceChildren(...items);
    ui.suggestions.hidden = items.length === 0;
    ui.searchInput.setAttribute("aria-expanded", String(items.length > 0));
  }

  async function loadSuggestions(prefix) {
    const seq = ++suggestSeq;
    try {
      const body = await api(`/suggest?${new URLSearchParams({ q: prefix, k: "8" })}`);
      if (seq === suggestSeq) renderSuggestions(body.suggestions || []);
    } catch (error) {
      if (seq === suggestSeq) showError(error.message);
    }
  }

  function choose(index) {
    const title = options[index].title;
    ui.searchInput.value = title;
    closeSuggestions();
    runSearch(title);
  }

  ui.searchInput.addEventListener("input", () => {
    clearTimeout(suggestTimer);
    const prefix = ui.searchInput.value.trim();
    if (!prefix) {
      closeSuggestions();
      return;
    }
    suggestTimer = setTimeout(() => loadSuggestions(prefix), SUGGEST_DELAY_MS);
  });

  ui.searchInput.addEventListener("keydown", (event) => {
    const count = options.length;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!count) return;
      event.preventDefault();
      ui.suggestions.hidden = false;
      ui.searchInput.setAttribute("aria-expanded", "true");
      const step = event.key === "ArrowDown" ? 1 : -1;
      setActive(active < 0 && step < 0 ? count - 1 : (active + step + count) % count);
    } else if (event.key === "Enter" && suggestionsOpen() && active >= 0) {
      event.preventDefault();
      choose(active);
    } else if (event.key === "Escape" && suggestionsOpen()) {
      event.preventDefault(); // close the list; a second Escape clears the field as usual
      closeSuggestions();
    }
  });

  ui.searchInput.addEventListener("blur", closeSuggestions);

  // ---- Search and feed ----

  ui.searchForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const query = ui.searchInput.value.trim();
    closeSuggestions();
    if (query) runSearch(query);
  });

  async function runSearch(query) {
    const params = new URLSearchParams({ q: query, k: String(K), explain: "true" });
    const user = currentUser();
    if (user) params.set("user_id", user);
    await load(`/search?${params}`, (body) => {
      view.kind = "search";
      view.query = query;
      ui.heading.textContent = `Results for “${query}”`;
      ui.refresh.hidden = true;
      return `${body.items.length} results for “${query}”.`;
    });
  }

  async function loadFeed() {
    const user = currentUser();
    if (!user) {
      showError("Choose a user first.");
      ui.userInput.focus();
      return;
    }
    localStorage.setItem(USER_STORAGE, user);
    const params = new URLSearchParams({ k: String(K), explain: "true" });
    await load(`/users/${encodeURIComponent(user)}/feed?${params}`, (body) => {
      view.kind = "feed";
      view.query = "";
      ui.heading.textContent = `Feed for ${body.user_id}`;
      ui.refresh.hidden = false;
      const how = { personalised: "personalised", affinity: "from their history", cold_start: "popular and fresh" };
      return `Feed for ${body.user_id}: ${body.items.length} items, ${how[body.strategy] || body.strategy}.`;
    });
  }

  /** Fetches a list of items and renders it, unless a newer request started meanwhile. */
  async function load(path, describe) {
    const seq = ++loadSeq;
    ui.results.setAttribute("aria-busy", "true");
    try {
      const body = await api(path);
      if (seq !== loadSeq) return;
      const message = describe(body);
      view.requestId = body.request_id;
      renderItems(body.items);
      showStatus(message);
    } catch (error) {
      if (seq === loadSeq) showError(error.message);
    } finally {
      if (seq === loadSeq) ui.results.removeAttribute("aria-busy");
    }
  }

  function formatNumber(value) {
    return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(4)));
  }

  function formatPrice(value) {
    return value.toLocaleString("en", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }

  /** A <dl> of name/value pairs; nested objects become nested lists. */
  function definitionList(values) {
    const dl = document.createElement("dl");
    for (const [name, value] of Object.entries(values)) {
      const row = document.createElement("div");
      const dt = document.createElement("dt");
      const dd = document.createElement("dd");
      dt.textContent = name;
      if (Array.isArray(value)) dd.textContent = value.length ? value.join(", ") : "none";
      else if (value !== null && typeof value === "object") dd.append(definitionList(value));
      else if (typeof value === "number") dd.textContent = formatNumber(value);
      else dd.textContent = String(value);
      row.append(dt, dd);
      dl.append(row);
    }
    return dl;
  }

  function renderExplain(container, item) {
    const parts = [];
    const score = document.createElement("p");
    score.textContent = typeof item.score === "number" ? `Final score ${formatNumber(item.score)}` : "No score";
    parts.push(score);
    for (const [stage, values] of Object.entries(item.explain || {})) {
      const heading = document.createElement("h4");
      heading.textContent = STAGES[stage] || stage;
      parts.push(heading, values && typeof values === "object" ? definitionList(values) : document.createTextNode(""));
    }
    if (!item.explain) {
      const none = document.createElement("p");
      none.textContent = "The API returned no explanation for this item.";
      parts.push(none);
    }
    container.replaceChildren(...parts);
  }

  function thumbnail(container, item) {
    const placeholder = () => {
      const span = document.createElement("span");
      span.className = "placeholder";
      span.setAttribute("aria-hidden", "true");
      span.textContent = (item.title || item.id || "?").trim().charAt(0).toUpperCase();
      container.replaceChildren(span);
    };
    const url = typeof item.image_url === "string" ? item.image_url : "";
    if (!/^(https?:\/\/|\/)/i.test(url)) {
      placeholder();
      return;
    }
    const img = document.createElement("img");
    img.alt = "";
    img.loading = "lazy";
    img.addEventListener("error", placeholder);
    img.src = url;
    container.replaceChildren(img);
  }

  function meta(item) {
    const dl = document.createElement("dl");
    dl.className = "meta";
    const fields = [
      ["Category", (item.category || []).join(", ")],
      ["Brand", item.brand || ""],
      ["Price", typeof item.price === "number" ? formatPrice(item.price) : ""],
    ];
    for (const [name, value] of fields) {
      if (!value) continue;
      const row = document.createElement("div");
      const dt = document.createElement("dt");
      const dd = document.createElement("dd");
      dt.textContent = name;
      dd.textContent = value;
      row.append(dt, dd);
      dl.append(row);
    }
    return dl;
  }

  function renderItems(items) {
    ui.list.dataset.requestId = view.requestId || "";
    ui.list.dataset.view = view.kind;
    const cards = items.map((item, index) => {
      const li = ui.template.content.firstElementChild.cloneNode(true);
      li.dataset.itemId = item.id;
      li.dataset.position = String(index + 1);
      li.querySelector(".title").textContent = item.title || item.id;
      thumbnail(li.querySelector(".thumb"), item);
      li.querySelector(".meta").replaceWith(meta(item));
      const description = li.querySelector(".description");
      description.textContent = item.description || "No description.";
      renderExplain(li.querySelector(".explain"), item);
      for (const button of li.querySelectorAll("button[data-event]")) {
        // Screen readers hear which item each button acts on.
        button.setAttribute("aria-label", `${button.textContent}: ${item.title || item.id}`);
      }
      return li;
    });
    ui.list.replaceChildren(...cards);
    if (!items.length) {
      const li = document.createElement("li");
      li.className = "empty";
      li.textContent = view.kind === "search" ? "Nothing matched. Try other words." : "This feed is empty.";
      ui.list.append(li);
    }
  }

  // ---- Events ----

  ui.list.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-event]");
    if (button) sendEvent(button.dataset.event, button.closest("li.result"), button);
  });

  function sendEvent(type, card, button) {
    const user = currentUser();
    if (!user) {
      showError("Choose a user first: events belong to a user.");
      ui.userInput.focus();
      return;
    }
    // Captured now: a retry after the key prompt sends the same event even if the list changed.
    const event = {
      user_id: user,
      item_id: card.dataset.itemId,
      type,
      timestamp: new Date().toISOString(),
      request_id: ui.list.dataset.requestId,
      position: Number(card.dataset.position),
    };
    if (ui.list.dataset.view === "search") event.query = view.query;
    postEvent(event, card, button);
  }

  async function postEvent(event, card, button) {
    try {
      await api("/events", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(event),
      });
    } catch (error) {
      if (error.status === 401) {
        askForKey(error, () => postEvent(event, card, button), button);
      } else {
        showError(error.message);
      }
      return;
    }
    recorded(event.type, card, button);
  }

  function recorded(type, card, button) {
    const title = card.querySelector(".title").textContent;
    const position = card.dataset.position;
    card.classList.add(`did-${type.replace("_", "-")}`);
    card.dataset.recorded = [card.dataset.recorded, type].filter(Boolean).join(" ");
    if (type === "click") {
      card.querySelector(".description").hidden = false;
    } else {
      button.textContent = DONE[type];
    }
    const inFeed = ui.list.dataset.view === "feed";
    const hint = inFeed && type !== "click" ? " Refresh the feed to see it change." : "";
    showStatus(`${DONE[type]} “${title}” (position ${position}); the event is stored.${hint}`);
  }

  /** On a 401: ask for the key once, keep it for this tab, then retry the write that needed it. */
  function askForKey(error, retry, button) {
    if (sessionStorage.getItem(KEY_STORAGE)) {
      sessionStorage.removeItem(KEY_STORAGE);
      showError(`The API refused the saved key: ${error.message}`);
    } else {
      showStatus("Recording events needs this Tandem's API key.");
    }
    pendingRetry = retry;
    returnFocus = button;
    ui.keyForm.hidden = false;
    ui.keyInput.value = "";
    ui.keyInput.focus();
  }

  ui.keyForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const key = ui.keyInput.value.trim();
    if (!key) return;
    sessionStorage.setItem(KEY_STORAGE, key);
    ui.keyInput.value = "";
    ui.keyForm.hidden = true;
    if (returnFocus) returnFocus.focus();
    const retry = pendingRetry;
    pendingRetry = null;
    returnFocus = null;
    if (retry) retry();
  });

  // ---- The user picker ----

  ui.userForm.addEventListener("submit", (event) => {
    event.preventDefault();
    loadFeed();
  });

  ui.userInput.addEventListener("change", () => {
    if (currentUser()) localStorage.setItem(USER_STORAGE, currentUser());
  });

  ui.newUser.addEventListener("click", () => {
    const bytes = crypto.getRandomValues(new Uint8Array(4));
    const id = `user-new-${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
    setUser(id);
    loadFeed();
  });

  ui.refresh.addEventListener("click", loadFeed);

  ui.demoUsers.replaceChildren(
    ...DEMO_USERS.map((user) => {
      const option = document.createElement("option");
      option.value = user;
      return option;
    }),
  );
  setUser(localStorage.getItem(USER_STORAGE) || DEMO_USERS[0]);
  loadFeed();
})();
