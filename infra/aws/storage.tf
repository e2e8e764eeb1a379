# The state table (adapters/aws/dynamodb-state-store.ts: single table, keys pk/sk, the outbox LSI,
# the findings GSI, TTL on expiresAt) and the snapshot bucket (baselines, candidates, history).

resource "aws_dynamodb_table" "state" {
  name         = "${local.name}-state"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"
  range_key    = "sk"

  attribute {
    name = "pk"
    type = "S"
  }
  attribute {
    name = "sk"
    type = "S"
  }
  attribute {
    name = "outboxOrder"
    type = "S"
  }
  attribute {
    name = "findingScope"
    type = "S"
  }
  attribute {
    name = "findingOrder"
    type = "S"
  }

  local_secondary_index {
    name            = "outbox-order"
    range_key       = "outboxOrder"
    projection_type = "ALL"
  }

  global_secondary_index {
    name            = "findings-by-account"
    hash_key        = "findingScope"
    range_key       = "findingOrder"
    projection_type = "ALL"
  }

  ttl {
    attribute_name = "expiresAt"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled = true
  }

  deletion_protection_enabled = var.state_table_deletion_protection
  tags                        = local.tags
}

resource "aws_s3_bucket" "snapshots" {
  bucket = coalesce(var.snapshot_bucket_name, "${local.name}-snapshots-${local.account}-${local.region}")
  tags   = local.tags
}

resource "aws_s3_bucket_ownership_controls" "snapshots" {
  bucket = aws_s3_bucket.snapshots.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "snapshots" {
  bucket                  = aws_s3_bucket.snapshots.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

# Approvals and history are the audit trail of every baseline: keep each version.
resource "aws_s3_bucket_versioning" "snapshots" {
  bucket = aws_s3_bucket.snapshots.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "snapshots" {
  bucket = aws_s3_bucket.snapshots.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

# Snapshots are read only through the functions' roles and the operators' credentials, over TLS.
data "aws_iam_policy_document" "snapshots_bucket" {
  statement {
    sid     = "DenyInsecureTransport"
    effect  = "Deny"
    actions = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket"]
    resources = [
      aws_s3_bucket.snapshots.arn,
      "${aws_s3_bucket.snapshots.arn}/*",
    ]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "snapshots" {
  bucket     = aws_s3_bucket.snapshots.id
  policy     = data.aws_iam_policy_document.snapshots_bucket.json
  depends_on = [aws_s3_bucket_public_access_block.snapshots]
}
