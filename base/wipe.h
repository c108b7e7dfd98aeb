#pragma once

// Secrets leave memory as soon as they are no longer needed: a PAN, a track 2, an account field
// or a PIN block is overwritten where it lay, not merely freed (docs/style.md, "Secrets").
// Standard library only, so every ring can use it, the pure core included.

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <cstring>
#include <memory>
#include <new>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace base {

// Overwrites `size` bytes at `data` with zeros in a way the optimiser may not remove: the empty
// assembly statement tells the compiler the memory is read afterwards.
inline void wipe(void* data, std::size_t size) noexcept {
    if (data == nullptr || size == 0) {
        return;
    }
    std::memset(data, 0, size);
    __asm__ __volatile__("" : : "r"(data) : "memory");
}

template <typename T, std::size_t Extent>
requires std::is_trivially_copyable_v<T>
void wipe(std::span<T, Extent> values) noexcept {
    wipe(values.data(), values.size_bytes());
}

// Wipes a string's whole buffer (its capacity, not only its length: a shorter value written
// over a longer one leaves the old tail behind) and empties it.
inline void wipe(std::string& text) noexcept {
    wipe(text.data(), text.capacity());
    text.clear();
}

// An allocator that wipes memory before giving it back, so that a container of secrets leaves
// nothing behind when it grows, shrinks or dies.
template <typename T>
struct WipingAllocator {
    using value_type = T;

    WipingAllocator() noexcept = default;
    template <typename U>
    WipingAllocator(const WipingAllocator<U>&) noexcept {}  // NOLINT: rebinding is implicit

    T* allocate(std::size_t count) { return std::allocator<T>{}.allocate(count); }

    void deallocate(T* pointer, std::size_t count) noexcept {
        wipe(pointer, count * sizeof(T));
        std::allocator<T>{}.deallocate(pointer, count);
    }

    template <typename U>
    friend bool operator==(const WipingAllocator&, const WipingAllocator<U>&) noexcept {
        return true;
    }
};

// Text that holds a secret (a card number, an account field, a request body carrying a PIN
// block). Its buffer is wiped when the text is replaced, moved from or destroyed, including a
// short value kept inside the object itself (the small-string buffer), which an allocator alone
// would never see. It never prints itself: read it with view() where it must be used.
class SecretText {
  public:
    SecretText() = default;
    // From anything that reads as text (a literal, a view, a string); implicit because a
    // secret is still text where it is written.
    template <typename Text>
    requires std::convertible_to<const Text&, std::string_view> SecretText(
        const Text& text) {  // NOLINT(google-explicit-constructor)
        assign(std::string_view(text));
    }
    SecretText(const SecretText& other) { assign(other.view()); }
    // Copies and wipes the source: a moved-from string may keep its characters in place.
    SecretText(SecretText&& other) noexcept : SecretText(other) { other.clear(); }
    SecretText& operator=(const SecretText& other) {
        if (this != &other) {
            assign(other.view());
        }
        return *this;
    }
    SecretText& operator=(SecretText&& other) noexcept {
        if (this != &other) {
            assign(other.view());
            other.clear();
        }
        return *this;
    }
    ~SecretText() { wipe(m_text); }

    // Replaces the text; the old one is wiped first.
    void assign(std::string_view text) {
        clear();
        append(text);
    }
    // Makes room up front, so that appending never moves the secret to a new buffer and
    // leaves a copy behind in the old one. Growing copies once and wipes the old buffer.
    void reserve(std::size_t capacity) {
        if (capacity <= m_text.capacity()) {
            return;
        }
        std::string larger;
        larger.reserve(capacity);
        larger.append(m_text);
        wipe(m_text);
        m_text.swap(larger);
    }
    void append(std::string_view text) {
        const std::size_t needed = m_text.size() + text.size();
        if (needed > m_text.capacity()) {
            reserve(std::max(needed, 2 * m_text.capacity()));
        }
        m_text.append(text);
    }
    void push_back(char character) { append(std::string_view(&character, 1)); }
    void clear() noexcept { wipe(m_text); }

    std::string_view view() const noexcept { return m_text; }
    std::size_t size() const noexcept { return m_text.size(); }
    bool empty() const noexcept { return m_text.empty(); }

    friend bool operator==(const SecretText& left, const SecretText& right) noexcept {
        return left.view() == right.view();
    }

  private:
    std::string m_text;
};

}  // namespace base
