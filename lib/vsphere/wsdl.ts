/**
 * The part of the vim25 WSDL this package calls through the `soap` client: session, clock,
 * collector set-up and tear-down, and the property collector calls used to wake up on
 * `latestPage` changes. A real vCenter's WSDL is several megabytes and slow to load; this
 * subset declares exactly the request shapes (element order per the vim25 schema) and leaves
 * responses untyped. Event pages (ReadNextEvents) do not go through `soap`: see reader.ts.
 */

const OPERATIONS: Record<string, string> = {
  RetrieveServiceContent: "",
  Login: `<element name="userName" type="xsd:string"/><element name="password" type="xsd:string"/><element name="locale" type="xsd:string" minOccurs="0"/>`,
  Logout: "",
  CurrentTime: "",
  CreateCollectorForEvents: `<element name="filter" type="vim25:EventFilterSpec"/>`,
  DestroyCollector: "",
  CreatePropertyCollector: "",
  DestroyPropertyCollector: "",
  CreateFilter: `<element name="spec" type="vim25:PropertyFilterSpec"/><element name="partialUpdates" type="xsd:boolean"/>`,
  WaitForUpdatesEx: `<element name="version" type="xsd:string" minOccurs="0"/><element name="options" type="vim25:WaitOptions" minOccurs="0"/>`,
  RetrievePropertiesEx: `<element name="specSet" type="vim25:PropertyFilterSpec" maxOccurs="unbounded"/><element name="options" type="vim25:RetrieveOptions"/>`,
};

export const VIM_OPERATIONS = Object.keys(OPERATIONS);

function requestTypes(): string {
  return Object.entries(OPERATIONS)
    .map(
      ([op, fields]) =>
        `<element name="${op}" type="vim25:${op}RequestType"/>` +
        `<complexType name="${op}RequestType"><sequence><element name="_this" type="vim25:ManagedObjectReference"/>${fields}</sequence></complexType>` +
        `<element name="${op}Response"><complexType><sequence><element name="returnval" type="xsd:anyType" minOccurs="0" maxOccurs="unbounded"/></sequence></complexType></element>`,
    )
    .join("");
}

function messagesAndOps(): { messages: string; portOps: string; bindingOps: string } {
  let messages = "";
  let portOps = "";
  let bindingOps = "";
  for (const op of VIM_OPERATIONS) {
    messages +=
      `<message name="${op}RequestMsg"><part name="parameters" element="vim25:${op}"/></message>` +
      `<message name="${op}ResponseMsg"><part name="parameters" element="vim25:${op}Response"/></message>`;
    portOps += `<operation name="${op}"><input message="interface:${op}RequestMsg"/><output message="interface:${op}ResponseMsg"/></operation>`;
    bindingOps +=
      `<operation name="${op}"><soap:operation soapAction="urn:vim25/7.0" style="document"/>` +
      `<input><soap:body use="literal"/></input><output><soap:body use="literal"/></output></operation>`;
  }
  return { messages, portOps, bindingOps };
}

export function vimWsdl(): string {
  const { messages, portOps, bindingOps } = messagesAndOps();
  return `<?xml version="1.0" encoding="UTF-8"?>
<definitions targetNamespace="urn:vim25" xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" xmlns:interface="urn:vim25" xmlns:vim25="urn:vim25" xmlns:xsd="http://www.w3.org/2001/XMLSchema">
<types>
<schema targetNamespace="urn:vim25" xmlns="http://www.w3.org/2001/XMLSchema" xmlns:vim25="urn:vim25" xmlns:xsd="http://www.w3.org/2001/XMLSchema" elementFormDefault="qualified">
<complexType name="ManagedObjectReference"><simpleContent><extension base="xsd:string"><attribute name="type" type="xsd:string"/></extension></simpleContent></complexType>
<complexType name="EventFilterSpecByEntity"><sequence><element name="entity" type="vim25:ManagedObjectReference"/><element name="recursion" type="xsd:string"/></sequence></complexType>
<complexType name="EventFilterSpecByTime"><sequence><element name="beginTime" type="xsd:dateTime" minOccurs="0"/><element name="endTime" type="xsd:dateTime" minOccurs="0"/></sequence></complexType>
<complexType name="EventFilterSpec"><sequence><element name="entity" type="vim25:EventFilterSpecByEntity" minOccurs="0"/><element name="time" type="vim25:EventFilterSpecByTime" minOccurs="0"/><element name="eventTypeId" type="xsd:string" minOccurs="0" maxOccurs="unbounded"/></sequence></complexType>
<complexType name="PropertySpec"><sequence><element name="type" type="xsd:string"/><element name="all" type="xsd:boolean" minOccurs="0"/><element name="pathSet" type="xsd:string" minOccurs="0" maxOccurs="unbounded"/></sequence></complexType>
<complexType name="ObjectSpec"><sequence><element name="obj" type="vim25:ManagedObjectReference"/><element name="skip" type="xsd:boolean" minOccurs="0"/></sequence></complexType>
<complexType name="PropertyFilterSpec"><sequence><element name="propSet" type="vim25:PropertySpec" maxOccurs="unbounded"/><element name="objectSet" type="vim25:ObjectSpec" maxOccurs="unbounded"/></sequence></complexType>
<complexType name="WaitOptions"><sequence><element name="maxWaitSeconds" type="xsd:int" minOccurs="0"/><element name="maxObjectUpdates" type="xsd:int" minOccurs="0"/></sequence></complexType>
<complexType name="RetrieveOptions"><sequence><element name="maxObjects" type="xsd:int" minOccurs="0"/></sequence></complexType>
${requestTypes()}
</schema>
</types>
${messages}
<portType name="VimPortType">${portOps}</portType>
<binding name="VimBinding" type="interface:VimPortType"><soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>${bindingOps}</binding>
<service name="VimService"><port binding="interface:VimBinding" name="VimPort"><soap:address location="https://localhost/sdk"/></port></service>
</definitions>`;
}
