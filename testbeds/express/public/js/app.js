// Lists the first products of the catalogue on the shop's front page.
document.addEventListener('DOMContentLoaded', async () => {
  const list = document.getElementById('products');
  if (!list) return;
  const res = await fetch('api/products?limit=5');
  const page = await res.json();
  for (const p of page._embedded.products) {
    const li = document.createElement('li');
    li.textContent = `${p.name} (${(p.price_cents / 100).toFixed(2)})`;
    list.appendChild(li);
  }
});
