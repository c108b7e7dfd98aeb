#pragma once

// One callable made of several lambdas, one per alternative, for std::visit:
// std::visit(base::Overloaded{[](const A&) {...}, [](const B&) {...}}, variant).

namespace base {

template <class... Handlers>
struct Overloaded : Handlers... {
    using Handlers::operator()...;
};

// C++20 deduces this for aggregates (P1816), but clang 16, which builds the fuzzing harnesses
// (tests/fuzz), does not yet: the guide says it for every compiler.
template <class... Handlers>
Overloaded(Handlers...) -> Overloaded<Handlers...>;

}  // namespace base
