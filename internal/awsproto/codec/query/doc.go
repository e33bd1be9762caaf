// Package query implements the AWS query protocol (IAM, STS, SNS, RDS, legacy SQS)
// and its EC2 variant as a codec.Codec, driven only by the service model.
//
// Requests are form-encoded parameters, POSTed as
// application/x-www-form-urlencoded or sent in a GET query string. The Action
// parameter names the operation and Version the API version. Member names are
// decoded exactly as botocore's QuerySerializer and EC2Serializer encode them:
//
//	structure  Prefix.Member (the member's locationName if it has one)
//	list       Name.member.N (the list member's locationName instead of "member"
//	           if set); flattened lists Name.N; an empty list is "Name="
//	map        Name.entry.N.key / Name.entry.N.value (flattened: Name.N.key;
//	           key and value take their locationNames if set)
//	ec2        lists are always Name.N; a member's name is its queryName, else its
//	           capitalised locationName, else the member name
//
// List and map indexes must be dense (1..N) with N at most MaxListLength, so a
// hostile Name.member.999999999 costs nothing.
//
// Responses are XML: for query
//
//	<OpResponse xmlns="ns"><OpResult>...</OpResult>
//	<ResponseMetadata><RequestId>id</RequestId></ResponseMetadata></OpResponse>
//
// and for ec2 <OpResponse xmlns="ns"><requestId>id</requestId>...</OpResponse>,
// members in model order. Errors are <ErrorResponse> (query) and
// <Response><Errors> (ec2) documents that botocore's QueryParser and
// EC2QueryParser read.
//
// It is not for authentication (query requests carry SigV4 in headers or in the
// query string; internal/sigv4 checks it before this codec runs), nor for routing
// between services: the router picks the service, this package picks the operation.
package query
