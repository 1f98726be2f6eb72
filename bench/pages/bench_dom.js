// Raw JavaScript baselines for the DOM benchmark (bench/pages/bench_dom.py).
export function textUpdates(node, count) {
  const start = performance.now();
  for (let i = 0; i < count; i++) node.textContent = String(i);
  return performance.now() - start;
}

// Rebuild the whole list from rows ([id, text] pairs) and force layout.
export function rebuild(list, rows) {
  const start = performance.now();
  const items = rows.map(([id, text]) => {
    const li = document.createElement("li");
    li.dataset.id = id;
    li.textContent = text;
    return li;
  });
  list.replaceChildren(...items);
  void list.offsetHeight;
  return performance.now() - start;
}

// Append `count` rows one at a time, forcing layout after each.
export function appendRows(list, count) {
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const li = document.createElement("li");
    li.dataset.id = `r${i}`;
    li.textContent = `row ${i}`;
    list.append(li);
    void list.offsetHeight;
  }
  return performance.now() - start;
}

// ms per append of one row to lists already holding `sizes[i]` rows, `count`
// appends to each, alternating between the lists (which goes first alternates
// too): only the appends are timed (layout is forced after each, untimed).
export function appendCost(lists, sizes, count) {
  lists.forEach((list, at) => {
    for (let i = 0; i < sizes[at]; i++) {
      const li = document.createElement("li");
      li.dataset.id = `r${i}`;
      li.textContent = `row ${i}`;
      list.append(li);
    }
  });
  void lists[0].offsetHeight;
  const totals = lists.map(() => 0);
  for (let i = 0; i < count; i++) {
    const order = lists.map((_, at) => at);
    if (i % 2) order.reverse();
    order.forEach((at) => {
      const list = lists[at];
      const start = performance.now();
      const li = document.createElement("li");
      li.dataset.id = `n${i}`;
      li.textContent = `new ${i}`;
      list.append(li);
      totals[at] += performance.now() - start;
      void list.offsetHeight;
    });
  }
  return totals.map((total) => total / count);
}
