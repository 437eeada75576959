"""Dev-only deploy tooling (not packaged into the Lambda functions): the merged CloudFormation/SAM
template, the least-privilege IAM policies, `make package` and `make deploy`. See README "Deploy"."""
