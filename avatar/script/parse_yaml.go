package script

import (
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v4"
)

// noAliases reports every alias: they make positions ambiguous and can blow
// up in size, and a show script has no need for them.
func (p *parser) noAliases(root *yaml.Node) {
	stack := []*yaml.Node{root}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n.Kind == yaml.AliasNode {
			p.errorf(n, "yaml-alias", "aliases (*%s) are not supported; write the value out", n.Value)
			continue
		}
		stack = append(stack, n.Content...)
	}
}

// obj is a YAML mapping whose keys were checked.
type obj struct {
	node *yaml.Node
	vals map[string]*yaml.Node
	keys map[string]*yaml.Node
}

func (o *obj) get(k string) *yaml.Node {
	if o == nil {
		return nil
	}
	return o.vals[k]
}

func (o *obj) has(k string) bool { return o.get(k) != nil }

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.ShortTag() == "!!null" {
			return "nothing"
		}
		return fmt.Sprintf("%q", n.Value)
	case yaml.AliasNode:
		return "an alias"
	}
	return "something else"
}

// object checks that n is a mapping with string keys among allowed, none
// repeated. It returns nil (after reporting) when n is not a mapping.
func (p *parser) object(n *yaml.Node, what string, allowed ...string) *obj {
	if n == nil {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		if n.Kind != yaml.AliasNode {
			p.errorf(n, "wrong-type", "%s: want a mapping, got %s", what, kindName(n))
		}
		return nil
	}
	o := &obj{node: n, vals: map[string]*yaml.Node{}, keys: map[string]*yaml.Node{}}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			if k.Kind != yaml.AliasNode {
				p.errorf(k, "wrong-type", "%s: keys must be plain names", what)
			}
			continue
		}
		if first, dup := o.keys[k.Value]; dup {
			p.errorf(k, "duplicate-key", "%s: key %q is repeated (first at line %d)", what, k.Value, first.Line)
			continue
		}
		o.keys[k.Value] = k
		if allowed != nil && !slices.Contains(allowed, k.Value) {
			p.errorf(k, "unknown-field", "%s: unknown field %q (want one of %s)", what, k.Value, strings.Join(allowed, ", "))
			continue
		}
		o.vals[k.Value] = v
	}
	return o
}

func (p *parser) require(o *obj, what string, keys ...string) {
	if o == nil {
		return
	}
	for _, k := range keys {
		if _, ok := o.keys[k]; !ok {
			p.errorf(o.node, "missing-field", "%s: missing field %q", what, k)
		}
	}
}

// each calls f for every item of the list n (nil n is an empty list).
func (p *parser) each(n *yaml.Node, what string, f func(*yaml.Node)) {
	if n == nil || n.Kind == yaml.AliasNode || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null") {
		return
	}
	if n.Kind != yaml.SequenceNode {
		p.errorf(n, "wrong-type", "%s: want a list, got %s", what, kindName(n))
		return
	}
	for _, c := range n.Content {
		f(c)
	}
}

// keysInOrder returns the value nodes of o in file order with their keys.
func keysInOrder(o *obj) (keys, vals []*yaml.Node) {
	for i := 0; i+1 < len(o.node.Content); i += 2 {
		k := o.node.Content[i]
		if v, ok := o.vals[k.Value]; ok && o.keys[k.Value] == k {
			keys = append(keys, k)
			vals = append(vals, v)
		}
	}
	return keys, vals
}
