// Package rules is a form's rules.json: the checks between fields, the
// attachments and screen-outs the answers lead to, the facts derived from a
// document, the routing rules that send an application to a caseworker, and
// the ceiling on the costs the agency counts.
//
// The types are data, decoded by package forms, which evaluates the
// attachment and screening conditions while it validates. What needs no
// knowledge of the layout is here: facts in their order, the routing
// decision (Set.ReviewReasons) and the ceiling (CostCeiling.For), and the
// checks of their data. Every rule names its Source: the law or Husbanken's
// guidance it rests on (keys of ../shared/domain's sources), or the
// kommune's own practice.
package rules
