package main

// servedOperations returns the operations Stratus serves of a service, or nil when it
// serves the whole model. This is the one place that narrows a model: the generated
// model.json, operation table and types of a narrowed service hold only these
// operations and the shapes they reach.
func servedOperations(service string) []string {
	switch service {
	case "ec2":
		// EC2 is served only for what security groups, VPC and subnet lookups,
		// regions and zones, account attributes and tags need.
		return []string{
			"AuthorizeSecurityGroupEgress",
			"AuthorizeSecurityGroupIngress",
			"CreateSecurityGroup",
			"DeleteSecurityGroup",
			"DescribeSecurityGroups",
			"DescribeSecurityGroupRules",
			"ModifySecurityGroupRules",
			"RevokeSecurityGroupEgress",
			"RevokeSecurityGroupIngress",
			"UpdateSecurityGroupRuleDescriptionsEgress",
			"UpdateSecurityGroupRuleDescriptionsIngress",
			"DescribeVpcs",
			"DescribeSubnets",
			"DescribeAvailabilityZones",
			"DescribeRegions",
			"DescribeAccountAttributes",
			"CreateTags",
			"DeleteTags",
			"DescribeTags",
		}
	}
	return nil
}
