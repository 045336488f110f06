package script

import (
	"strings"

	"go.yaml.in/yaml/v4"
)

func (p *parser) parseProduct(s *Show, n *yaml.Node) {
	o := p.object(n, "product", "sku", "title", "price", "list_price", "currency", "stock", "image", "points")
	if o == nil {
		return
	}
	p.require(o, "product", "sku", "title", "price", "stock")
	pr := Product{Pos: p.pos(n), Currency: "CNY"}
	pr.SKU = p.id(o.get("sku"), "sku", "sku")
	if pr.SKU == "" {
		return
	}
	pr.Title = p.text(o.get("title"), "title of "+pr.SKU)
	pr.Price, _ = p.money(o.get("price"), "price")
	pr.ListPrice, _ = p.money(o.get("list_price"), "list_price")
	if c := o.get("currency"); c != nil {
		cur, _ := p.str(c, "currency")
		if len(cur) != 3 || strings.ToUpper(cur) != cur || !idRE.MatchString(cur) {
			p.errorf(c, "bad-currency", "currency %q is not an ISO 4217 code such as CNY", cur)
		} else {
			pr.Currency = cur
		}
	}
	st, _ := p.integer(o.get("stock"), "stock", 0)
	pr.Stock = int(min(st, 1<<31-1))
	if n := o.get("image"); n != nil {
		pr.Image, _ = p.str(n, "image")
	}
	if n := o.get("points"); n != nil {
		pr.Points = p.strLists(n, "points of "+pr.SKU, "missing-translation", SevError)
	}
	if pr.ListPrice > 0 && pr.Price > pr.ListPrice {
		p.errorf(o.get("price"), "price-above-list", "price %s of %s is above its list price %s", pr.Price, pr.SKU, pr.ListPrice)
	}
	s.Catalog = append(s.Catalog, pr)
}

func (p *parser) parseCoupon(s *Show, n *yaml.Node) {
	o := p.object(n, "coupon", "id", "title", "discount", "min_spend", "count")
	if o == nil {
		return
	}
	p.require(o, "coupon", "id", "title", "discount")
	c := Coupon{Pos: p.pos(n)}
	if c.ID = p.id(o.get("id"), "coupon", "coupon id"); c.ID == "" {
		return
	}
	c.Title = p.text(o.get("title"), "title of coupon "+c.ID)
	c.Discount, _ = p.money(o.get("discount"), "discount")
	c.MinSpend, _ = p.money(o.get("min_spend"), "min_spend")
	cnt, _ := p.integer(o.get("count"), "count", 0)
	c.Count = int(min(cnt, 1<<31-1))
	if c.Discount == 0 && o.has("discount") {
		p.errorf(o.get("discount"), "out-of-range", "coupon %s: discount must be above 0", c.ID)
	}
	if c.MinSpend > 0 && c.Discount >= c.MinSpend {
		p.warnf(o.get("discount"), "coupon-exceeds-spend", "coupon %s takes off %s from a spend of %s", c.ID, c.Discount, c.MinSpend)
	}
	s.Coupons = append(s.Coupons, c)
}

func (p *parser) parseSale(s *Show, n *yaml.Node) {
	o := p.object(n, "sale", "id", "sku", "price", "stock", "duration")
	if o == nil {
		return
	}
	p.require(o, "sale", "id", "sku", "price", "stock", "duration")
	sl := Sale{Pos: p.pos(n)}
	if sl.ID = p.id(o.get("id"), "sale", "sale id"); sl.ID == "" {
		return
	}
	sl.SKU = p.ref(o.get("sku"), "sku")
	sl.Price, _ = p.money(o.get("price"), "sale price")
	st, _ := p.integer(o.get("stock"), "sale stock", 1)
	sl.Stock = int(min(st, 1<<31-1))
	sl.Duration, _ = p.duration(o.get("duration"), "sale duration")
	s.Sales = append(s.Sales, sl)
}
