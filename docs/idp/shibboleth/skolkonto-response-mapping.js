// Response mapping for the skolkonto HTTP DataConnector (Shibboleth IdP 4/5, JavaScript scripting).
// Input:  response         - the HttpResponse of GET /v1/idp/attributes
// Output: connectorResults - the IdPAttributes this connector resolves
// Scoped attributes ("scoped": true) become ScopedStringAttributeValues split at the last "@", so
// eduPersonPrincipalName, eduPersonScopedAffiliation, eduPersonUniqueId, subject-id and pairwise-id
// are encoded with their scope; every other value is a plain StringAttributeValue.
// 403 (no release policy for this SP) and 404 (unknown, inactive or revoked person) resolve nothing.
var IdPAttribute = Java.type("net.shibboleth.idp.attribute.IdPAttribute");
var StringAttributeValue = Java.type("net.shibboleth.idp.attribute.StringAttributeValue");
var ScopedStringAttributeValue = Java.type("net.shibboleth.idp.attribute.ScopedStringAttributeValue");
var ArrayList = Java.type("java.util.ArrayList");
var HttpClientSupport;
try {
  HttpClientSupport = Java.type("net.shibboleth.shared.httpclient.HttpClientSupport"); // IdP 5
} catch (e) {
  HttpClientSupport = Java.type("net.shibboleth.utilities.java.support.httpclient.HttpClientSupport"); // IdP 4
}

function mapSkolkontoResponse(response, connectorResults) {
  if (response.getStatusLine().getStatusCode() != 200) return;
  var body = JSON.parse(HttpClientSupport.toString(response.getEntity(), "UTF-8", 65536));
  for (var i = 0; i < body.attributes.length; i++) {
    var entry = body.attributes[i];
    var values = new ArrayList();
    for (var j = 0; j < entry.values.length; j++) {
      var value = String(entry.values[j]);
      var at = value.lastIndexOf("@");
      if (entry.scoped && at > 0 && at < value.length - 1) {
        values.add(new ScopedStringAttributeValue(value.substring(0, at), value.substring(at + 1)));
      } else {
        values.add(new StringAttributeValue(value));
      }
    }
    var attribute = new IdPAttribute(entry.name);
    attribute.setValues(values);
    connectorResults.add(attribute);
  }
}

mapSkolkontoResponse(response, connectorResults);
