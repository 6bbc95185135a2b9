import Testing

@testable import LockwardenEngine

@Suite("Mailed codes")
struct MailedCodeTests {
    @Test("only code-shaped text is looked up: digits, blanks aside, of the exact count")
    func shape() {
        #expect(MailedCode.hasShape(Array("123456789".utf8), digits: 9))
        #expect(MailedCode.hasShape(Array(" 123 456 789\r".utf8), digits: 9))
        #expect(!MailedCode.hasShape(Array("12345678".utf8), digits: 9))
        #expect(!MailedCode.hasShape(Array("1234567890".utf8), digits: 9))
        #expect(!MailedCode.hasShape(Array("12345678a".utf8), digits: 9))
        #expect(!MailedCode.hasShape(Array("Correct-Horse-7".utf8), digits: 9))
        #expect(!MailedCode.hasShape([], digits: 9))
    }

    @Test("made codes have the digits asked for")
    func make() {
        for digits in [6, 8, 9] {
            let code = MailedCode.make(digits: digits) ?? ""
            #expect(code.count == digits && MailedCode.hasShape(Array(code.utf8), digits: digits))
        }
        #expect(MailedCode.make(digits: 10) == nil)
    }
}
