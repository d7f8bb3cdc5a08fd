import HTTPTypes

/// Response fields from name-value pairs, in order (a name may repeat), for the browser-side tests.
func fields(_ pairs: [(String, String)]) -> HTTPFields {
    var fields = HTTPFields()
    for (name, value) in pairs { fields.append(HTTPField(name: HTTPField.Name(name)!, value: value)) }
    return fields
}
