
extension StringProtocol {
    /// Drops leading and trailing spaces and tabs (HTTP's optional whitespace), and line ends.
    package func trimmingWhitespace() -> String {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" || first == "\r\n" || first == "\r" || first == "\n" { slice = slice.dropFirst() }
        while let last = slice.last, last == " " || last == "\t" || last == "\r\n" || last == "\r" || last == "\n" { slice = slice.dropLast() }
        return String(slice)
    }
}
